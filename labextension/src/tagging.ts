import { Cell } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';

import {
  cellStages,
  IApplied,
  isSkipped,
  ISuggestion,
  locateCell,
  planSuggestions,
  stageColor,
  stageOf,
  textColorOn,
  withStage
} from './logic';

/** Value of the selector's "custom name" entry (not a valid stage name, so it cannot collide). */
export const CUSTOM = ' custom';

/** The `metadata.tags` of a cell, as strings. */
export function cellTags(cell: Cell): string[] {
  const tags = cell.model.getMetadata('tags');
  return Array.isArray(tags) ? tags.filter(tag => typeof tag === 'string') : [];
}

/** Write a cell's tags; an empty list removes the key, like JupyterLab's own tag editor. */
export function setCellTags(cell: Cell, tags: string[]): void {
  if (tags.length) {
    cell.model.setMetadata('tags', tags);
  } else {
    cell.model.deleteMetadata('tags');
  }
}

/** Set (or clear, with null) the stage of a cell; other tags are kept. */
export function setCellStage(cell: Cell, stage: string | null): void {
  setCellTags(cell, withStage(cellTags(cell), stage));
}

/**
 * Show every cell's stage: a coloured left border (CSS class `nbp-staged` and the
 * `--nbp-stage-color` variable) and a label; inherited stages are drawn lighter.
 */
export function renderStageMarkers(panel: NotebookPanel, vocabulary: readonly string[]): void {
  const cells = panel.content.widgets;
  const stages = cellStages(
    cells.map(cell => ({ tags: cellTags(cell), cellType: cell.model.type }))
  );
  cells.forEach((cell, index) => {
    const info = stages[index];
    const node = cell.node;
    let label = node.querySelector(':scope > .nbp-stage-label') as HTMLElement | null;
    const shown = info.stage ?? info.special;
    node.classList.toggle('nbp-staged', info.stage !== null);
    node.classList.toggle('nbp-stage-own', info.stage !== null && !info.inherited);
    node.classList.toggle('nbp-stage-inherited', info.inherited);
    node.classList.toggle('nbp-special', info.special !== null && info.stage === null);
    if (shown === null) {
      delete node.dataset.nbpStage;
      node.style.removeProperty('--nbp-stage-color');
      label?.remove();
      return;
    }
    node.dataset.nbpStage = shown;
    if (info.stage !== null) {
      const color = stageColor(info.stage, vocabulary);
      node.style.setProperty('--nbp-stage-color', color);
      node.style.setProperty('--nbp-stage-text', textColorOn(color));
    } else {
      node.style.removeProperty('--nbp-stage-color');
      node.style.removeProperty('--nbp-stage-text');
    }
    if (!label) {
      label = document.createElement('div');
      label.className = 'nbp-stage-label';
      node.appendChild(label);
    }
    label.textContent = info.inherited ? `↳ ${shown}` : info.stage !== null ? `stage: ${shown}` : shown;
    const skippedStage = info.special === 'skip' ? stageOf(cellTags(cell)) : null;
    label.title = info.inherited
      ? `Untagged: this cell joins stage "${shown}" from the cell above, and is exported with it. ` +
        'Tag it skip (or give it its own stage) to keep it out.'
      : info.stage !== null
        ? `Tagged stage:${shown}`
        : skippedStage !== null
          ? `Tagged skip and stage:${skippedStage}: skip wins, so export leaves this cell out`
          : `Tagged ${shown}: not part of any stage`;
  });
}

/**
 * Put back the tags a list of applied suggestions replaced, exactly as they were (found by cell id,
 * else by index). Returns how many cells were restored.
 */
export function revertSuggestions(panel: NotebookPanel, applied: readonly IApplied[]): number {
  const cells = panel.content.widgets;
  const ids = cells.map(cell => cell.model.id);
  let restored = 0;
  for (const change of applied) {
    const index = locateCell(ids, { cell: change.index, cell_id: change.id ?? null });
    if (index >= 0) {
      setCellTags(cells[index], [...change.before]);
      restored += 1;
    }
  }
  return restored;
}

/**
 * Apply tag suggestions to the open notebook (unsaved: the user reviews, then saves or reverts
 * them with "Revert suggestions"). Returns what changed, cell by cell.
 */
export function applySuggestions(panel: NotebookPanel, suggestions: readonly ISuggestion[]): IApplied[] {
  const cells = panel.content.widgets;
  const plan = planSuggestions(
    cells.map(cell => ({ id: cell.model.id, tags: cellTags(cell) })),
    suggestions
  );
  for (const change of plan) {
    setCellTags(cells[change.index], change.after);
  }
  return plan;
}

/**
 * The notebook toolbar's stage control: a select listing the vocabulary, "custom…" and "no stage";
 * it shows the active cell's own stage and sets it.
 */
export class StageSelector extends Widget {
  constructor(
    private readonly panel: NotebookPanel,
    private readonly onPick: (value: string | null) => void
  ) {
    super();
    this.addClass('nbp-stage-selector');
    this.title.label = 'Pipeline stage of the active cell';
    this.select = document.createElement('select');
    this.select.className = 'jp-HTMLSelect nbp-stage-select';
    this.select.title = 'nbpromote: pipeline stage of the active cell (writes a stage:<name> tag)';
    this.select.setAttribute('aria-label', 'Pipeline stage of the active cell');
    this.node.appendChild(this.select);
    this.select.addEventListener('change', () => {
      const value = this.select.value;
      this.onPick(value === '' ? null : value);
      this.sync();
    });
    panel.content.activeCellChanged.connect(this.sync, this);
  }

  /** Rebuild the options from a vocabulary. */
  setVocabulary(vocabulary: readonly string[]): void {
    this.vocabulary = [...vocabulary];
    this.sync();
  }

  /** Show the active cell's stage. */
  sync(): void {
    const cell = this.panel.content.activeCell;
    const tags = cell ? cellTags(cell) : [];
    // A skip cell is in no stage, whatever stage tag it also carries (skip wins, as in export).
    const skipped = isSkipped(tags);
    const current = cell && !skipped ? stageOf(tags) : null;
    const names = [...this.vocabulary];
    if (current !== null && !names.includes(current)) {
      names.push(current);
    }
    const options: [string, string][] = [
      ['', skipped ? 'Skipped (skip tag)' : current === null ? 'Stage…' : 'No stage'],
      ...names.map(name => [name, `stage:${name}`] as [string, string]),
      [CUSTOM, 'Custom stage…']
    ];
    this.select.replaceChildren(
      ...options.map(([value, text]) => {
        const option = document.createElement('option');
        option.value = value;
        option.textContent = text;
        return option;
      })
    );
    this.select.value = current ?? '';
    this.select.disabled = cell === null || cell === undefined;
  }

  private readonly select: HTMLSelectElement;
  private vocabulary: string[] = [];
}
