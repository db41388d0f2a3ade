import { NotebookPanel } from '@jupyterlab/notebook';
import { LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import {
  Action,
  editorLine,
  findingsOf,
  groupFindings,
  IApplied,
  IFinding,
  IStage,
  locateCell,
  provenanceSummary,
  saveProblem,
  stageColor,
  stagesOf,
  statusProblem,
  DEFAULT_VOCABULARY
} from './logic';
import { NbpromoteAPIError, postAPI, requestAPI } from './request';

/** The sidebar icon: three stages joined into a pipeline, an arrow out. */
export const promoteIcon = new LabIcon({
  name: 'nbpromote:promote',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">' +
    '<g class="jp-icon3" fill="#616161">' +
    '<rect x="2" y="4" width="6" height="4" rx="1"/><rect x="2" y="10" width="6" height="4" rx="1"/>' +
    '<rect x="2" y="16" width="6" height="4" rx="1"/><path d="M9 6h4v12H9v-1.5h2.5v-9H9z"/>' +
    '<path d="M13 11h5V8l5 4-5 4v-3h-5z"/></g></svg>'
});

/** The panel's settings (schema/panel.json and schema/tagging.json). */
export interface IPanelSettings {
  liveLint: boolean;
  severityThreshold: string;
  vocabulary: string[];
}

interface IStatus {
  version: string;
  parts: Record<string, boolean>;
}

interface IExportResult {
  package_dir: string | null;
  lint?: { available?: boolean; errors?: number; warnings?: number; findings?: IFinding[] };
  name?: string;
  version?: string;
  out_dir?: string;
}

/** A message shown in one section of the panel. */
interface INote {
  kind: 'info' | 'error' | 'ok';
  text: string;
  /** A button offered with the note (e.g. "Save and lint"). */
  action?: { label: string; run: () => Promise<void> };
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

/**
 * The Promotion panel (right sidebar): the current notebook's stages in DAG order, its lint
 * findings grouped by cell (click to reach the cell and line), its provenance, and Lint / Export
 * buttons with their results. A view: every fact comes from one server call.
 */
export class PromotionPanel extends Widget {
  constructor(private readonly suggest: () => Promise<IApplied[] | undefined>) {
    super();
    this.id = 'nbpromote-panel';
    this.addClass('nbp-panel');
    this.title.caption = 'nbpromote: promotion';
    this.title.icon = promoteIcon;
    this.node.tabIndex = 0;
    void this.checkServer();
  }

  settings: IPanelSettings = {
    liveLint: false,
    severityThreshold: 'info',
    vocabulary: [...DEFAULT_VOCABULARY]
  };

  /** The notebook the panel describes (the tracker's current one). */
  setNotebook(panel: NotebookPanel | null): void {
    if (panel === this.notebook) {
      return;
    }
    if (this.notebook) {
      this.notebook.context.saveState.disconnect(this.onSaveState, this);
      this.notebook.sessionContext.statusChanged.disconnect(this.render, this);
      this.notebook.sessionContext.kernelChanged.disconnect(this.render, this);
    }
    this.notebook = panel;
    this.findings = null;
    this.stages = null;
    this.provenance = null;
    this.notes = {};
    this.applied = [];
    this.exported = null;
    if (panel) {
      panel.context.saveState.connect(this.onSaveState, this);
      panel.sessionContext.statusChanged.connect(this.render, this);
      panel.sessionContext.kernelChanged.connect(this.render, this);
      void panel.context.ready.then(() => {
        if (this.notebook === panel) {
          void this.refresh();
        }
      });
    }
    this.render();
  }

  /** Reload the stages and the provenance of the saved notebook. */
  async refresh(): Promise<void> {
    await Promise.all([this.loadStages(), this.loadProvenance()]);
  }

  /** Lint the saved notebook and show the findings. */
  async lint(): Promise<void> {
    const path = this.ready('lint', 'lint');
    if (path === null) {
      return;
    }
    await this.busy('lint', async () => {
      const report = await postAPI<any>('lint', { path });
      this.findings = findingsOf(report);
      const shown = groupFindings(this.findings, this.settings.severityThreshold)
        .reduce((n, group) => n + group.findings.length, 0);
      const errors = this.findings.filter(finding => finding.severity === 'error').length;
      this.notes.lint = {
        kind: errors ? 'error' : shown ? 'info' : 'ok',
        text: shown
          ? `${shown} finding${shown === 1 ? '' : 's'} in ${path}`
          : `No findings at or above "${this.settings.severityThreshold}" in ${path}`
      };
    });
  }

  /** Export the saved notebook to a pipeline package and show its path (or the errors). */
  async export(): Promise<void> {
    const path = this.ready('export', 'export');
    if (path === null) {
      return;
    }
    const force = this.forceBox?.checked ?? false;
    const allowFindings = this.allowBox?.checked ?? false;
    this.exported = null;
    await this.busy('export', async () => {
      const result = await postAPI<IExportResult>('export', {
        path,
        force,
        allow_findings: allowFindings
      });
      this.exported = result;
      this.notes.export = { kind: 'ok', text: `Exported to ${result.package_dir ?? result.out_dir}` };
      if (result.lint?.available && Array.isArray(result.lint.findings)) {
        // The export linted the same file: show what it found instead of a stale list.
        this.findings = result.lint.findings;
        const errors = result.lint.errors ?? 0;
        this.notes.lint = errors
          ? { kind: 'error', text: `Exported despite ${errors} lint error(s); the package's model card lists them.` }
          : { kind: this.findings.length ? 'info' : 'ok', text: `${this.findings.length} finding(s) at export time.` };
      }
    });
  }

  /** Ask the server for tag suggestions and apply them for review. */
  async suggestTags(): Promise<void> {
    if (this.ready('suggest-tags', 'tags') === null) {
      return;
    }
    await this.busy('tags', async () => {
      this.applied = (await this.suggest()) ?? [];
      this.notes.tags = {
        kind: 'info',
        text: this.applied.length
          ? `Applied ${this.applied.length} suggested tag change(s): review them, then save (or undo).`
          : 'No suggestions: every cell already has the suggested tags.'
      };
    });
  }

  private async loadStages(): Promise<void> {
    const path = this.savedPath('stages');
    if (path === null || !this.available('stages')) {
      return;
    }
    await this.busy('stages', async () => {
      this.stages = stagesOf(await postAPI<any>('stages', { path }));
    });
  }

  private async loadProvenance(): Promise<void> {
    const path = this.savedPath('provenance');
    if (path === null || !this.available('provenance')) {
      return;
    }
    try {
      const reply = await requestAPI<any>(`provenance?path=${encodeURIComponent(path)}`);
      this.provenance = reply.manifest ?? null;
      delete this.notes.provenance;
    } catch (error) {
      this.provenance = null;
      const message = error instanceof Error ? error.message : String(error);
      this.notes.provenance = {
        kind: error instanceof NbpromoteAPIError && error.status === 404 ? 'info' : 'error',
        text: message
      };
    }
    this.render();
  }

  private onSaveState(_: unknown, state: string): void {
    if (state !== 'completed') {
      return;
    }
    void this.refresh();
    if (this.settings.liveLint) {
      void this.lint();
    }
  }

  private async checkServer(): Promise<void> {
    try {
      this.status = await requestAPI<IStatus>('status');
      this.serverProblem = null;
    } catch (error) {
      this.status = null;
      this.serverProblem = statusProblem(error instanceof NbpromoteAPIError ? error.status : null);
    }
    this.render();
  }

  private available(part: string): boolean {
    return !!this.status && this.status.parts[part] !== false;
  }

  /** The saved notebook's path for an action, or null (and a note in `section` saying why). */
  private ready(action: Action, section: string): string | null {
    if (this.serverProblem) {
      this.notes[section] = { kind: 'error', text: this.serverProblem };
      this.render();
      return null;
    }
    const part = action === 'suggest-tags' ? 'suggest_tags' : action;
    if (!this.available(part)) {
      this.notes[section] = {
        kind: 'error',
        text: `This server's nbpromote has no ${action} yet: upgrade nbpromote on the server.`
      };
      this.render();
      return null;
    }
    const notebook = this.notebook;
    const path = notebook?.context.path ?? null;
    const dirty = notebook?.context.model.dirty ?? false;
    const problem = saveProblem(path, dirty, action);
    if (problem) {
      this.notes[section] = { kind: 'error', text: problem };
      if (notebook && dirty && saveProblem(path, false, action) === null) {
        // Saving is the user's decision, so it is offered, never done behind their back.
        this.notes[section].action = {
          label: `Save and ${action === 'suggest-tags' ? 'suggest tags' : action}`,
          run: async () => {
            await notebook.context.save();
            await this.run(action);
          }
        };
      }
      this.render();
      return null;
    }
    return path;
  }

  private run(action: Action): Promise<void> {
    switch (action) {
      case 'lint':
        return this.lint();
      case 'export':
        return this.export();
      case 'suggest-tags':
        return this.suggestTags();
      default:
        return this.refresh();
    }
  }

  private savedPath(action: Action): string | null {
    const path = this.notebook?.context.path ?? null;
    return saveProblem(path, false, action) === null ? path : null;
  }

  private async busy(section: string, work: () => Promise<void>): Promise<void> {
    this.running.add(section);
    delete this.notes[section];
    this.render();
    try {
      await work();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.notes[section] = { kind: 'error', text: message };
      if (section === 'export' && error instanceof NbpromoteAPIError && error.findings) {
        // The findings that blocked the export, listed where findings are read.
        this.findings = error.findings as IFinding[];
        this.notes.lint = {
          kind: 'error',
          text: `${this.findings.length} lint error(s) block the export: fix them, or tick "Export despite lint errors".`
        };
      }
    } finally {
      this.running.delete(section);
      this.render();
    }
  }

  /** Activate the cell a finding names and put the cursor on its line. */
  jumpTo(finding: IFinding): void {
    const panel = this.notebook;
    if (!panel) {
      return;
    }
    const notebook = panel.content;
    const ids = notebook.widgets.map(cell => cell.model.id);
    const index = locateCell(ids, finding);
    if (index < 0) {
      this.notes.lint = {
        kind: 'error',
        text: `Cell ${finding.cell} is no longer in the notebook: lint again.`
      };
      this.render();
      return;
    }
    notebook.activeCellIndex = index;
    const cell = notebook.widgets[index];
    void notebook.scrollToCell(cell);
    notebook.mode = 'edit';
    const editor = cell.editor;
    if (editor) {
      const line = editorLine(finding.line, editor.lineCount);
      editor.setCursorPosition({ line, column: 0 });
      editor.focus();
    }
  }

  /** Rebuild the panel's DOM from its state. */
  render(): void {
    const root = this.node;
    const focusedForce = this.forceBox?.checked ?? false;
    const focusedAllow = this.allowBox?.checked ?? false;
    root.replaceChildren();
    const header = el('div', 'nbp-header');
    header.appendChild(el('h2', 'nbp-title', 'Promotion'));
    const name = this.notebook?.context.path ?? 'no notebook open';
    header.appendChild(el('div', 'nbp-notebook', name));
    root.appendChild(header);

    if (this.serverProblem) {
      root.appendChild(el('div', 'nbp-note nbp-note-error nbp-server-problem', this.serverProblem));
    }
    const session = this.notebook?.sessionContext;
    const kernel = session?.session?.kernel?.status;
    if (kernel === 'dead' || (session && session.isReady && !session.session?.kernel)) {
      root.appendChild(
        el(
          'div',
          'nbp-note nbp-note-info nbp-kernel-dead',
          `${kernel === 'dead' ? 'The kernel is dead' : 'No kernel is running'}: lint, stages and ` +
            'export read the saved file and still work; start the kernel to run cells or capture provenance.'
        )
      );
    }

    const actions = el('div', 'nbp-actions');
    const disabled = !this.notebook || !!this.serverProblem;
    actions.appendChild(this.button('Lint', 'nbp-lint-button', 'lint', disabled, () => this.lint()));
    actions.appendChild(
      this.button('Export', 'nbp-export-button', 'export', disabled, () => this.export())
    );
    actions.appendChild(
      this.button('Suggest tags', 'nbp-suggest-button', 'tags', disabled, () => this.suggestTags())
    );
    actions.appendChild(
      this.button('Refresh', 'nbp-refresh-button', 'stages', disabled, () => this.refresh())
    );
    root.appendChild(actions);
    const options = el('div', 'nbp-options');
    this.forceBox = this.checkbox(options, 'Overwrite an existing package', 'nbp-force', focusedForce);
    this.allowBox = this.checkbox(options, 'Export despite lint errors', 'nbp-allow', focusedAllow);
    root.appendChild(options);

    root.appendChild(this.exportSection());
    root.appendChild(this.stagesSection());
    root.appendChild(this.findingsSection());
    root.appendChild(this.provenanceSection());
    root.appendChild(this.tagsSection());
  }

  private button(
    label: string,
    className: string,
    section: string,
    disabled: boolean,
    action: () => Promise<void>
  ): HTMLButtonElement {
    const button = el('button', `jp-Button jp-mod-styled jp-mod-accept nbp-button ${className}`);
    button.textContent = this.running.has(section) ? `${label}…` : label;
    button.disabled = disabled || this.running.has(section);
    button.addEventListener('click', () => void action());
    return button;
  }

  private checkbox(parent: HTMLElement, text: string, className: string, checked: boolean): HTMLInputElement {
    const label = el('label', `nbp-option ${className}`);
    const box = el('input');
    box.type = 'checkbox';
    box.checked = checked;
    label.appendChild(box);
    label.appendChild(document.createTextNode(` ${text}`));
    parent.appendChild(label);
    return box;
  }

  private section(title: string, className: string, note?: INote): HTMLElement {
    const section = el('section', `nbp-section ${className}`);
    section.appendChild(el('h3', 'nbp-section-title', title));
    if (note) {
      const box = el('div', `nbp-note nbp-note-${note.kind}`, note.text);
      if (note.action) {
        const { label, run } = note.action;
        const button = el('button', 'jp-Button jp-mod-styled jp-mod-reject nbp-note-action', label);
        button.addEventListener('click', () => void run());
        box.appendChild(el('br'));
        box.appendChild(button);
      }
      section.appendChild(box);
    }
    return section;
  }

  private exportSection(): HTMLElement {
    const section = this.section('Export', 'nbp-export', this.notes.export);
    if (this.exported?.package_dir) {
      const path = el('code', 'nbp-package-path', this.exported.package_dir);
      section.appendChild(path);
    }
    return section;
  }

  private findingsSection(): HTMLElement {
    const section = this.section('Lint findings', 'nbp-findings', this.notes.lint);
    if (this.findings === null) {
      if (!this.notes.lint) {
        section.appendChild(el('div', 'nbp-empty', 'Not linted yet: press Lint.'));
      }
      return section;
    }
    const groups = groupFindings(this.findings, this.settings.severityThreshold);
    for (const group of groups) {
      const block = el('div', 'nbp-finding-group');
      block.appendChild(
        el('div', 'nbp-finding-cell', group.cell === null ? 'Notebook' : `Cell ${group.cell}`)
      );
      for (const finding of group.findings) {
        const item = el('button', `nbp-finding nbp-severity-${finding.severity}`);
        item.dataset.rule = finding.rule;
        item.dataset.cell = String(finding.cell ?? '');
        item.title = finding.fix ? `Fix: ${finding.fix}` : finding.message;
        const head = el('span', 'nbp-finding-head');
        head.appendChild(el('span', 'nbp-finding-severity', finding.severity));
        head.appendChild(el('span', 'nbp-finding-rule', finding.rule));
        if (finding.line) {
          head.appendChild(el('span', 'nbp-finding-line', `line ${finding.line}`));
        }
        item.appendChild(head);
        item.appendChild(el('span', 'nbp-finding-message', finding.message));
        if (finding.fix) {
          item.appendChild(el('span', 'nbp-finding-fix', `Fix: ${finding.fix}`));
        }
        item.addEventListener('click', () => this.jumpTo(finding));
        block.appendChild(item);
      }
      section.appendChild(block);
    }
    return section;
  }

  private stagesSection(): HTMLElement {
    const section = this.section('Stages (DAG order)', 'nbp-stages', this.notes.stages);
    if (this.stages === null) {
      return section;
    }
    if (!this.stages.length) {
      section.appendChild(
        el('div', 'nbp-empty', 'No stage tags yet: tag cells with the toolbar\'s stage selector or press Suggest tags.')
      );
    }
    const list = el('ol', 'nbp-stage-list');
    for (const stage of this.stages) {
      list.appendChild(this.stageItem(stage));
    }
    section.appendChild(list);
    return section;
  }

  private stageItem(stage: IStage): HTMLElement {
    const item = el('li', 'nbp-stage');
    item.dataset.stage = stage.name;
    item.style.setProperty('--nbp-stage-color', stageColor(stage.name, this.settings.vocabulary));
    item.appendChild(el('span', 'nbp-stage-name', stage.name));
    if (stage.cells && stage.cells.length) {
      // Each cell number is a link to the cell, like a finding.
      const row = el('div', 'nbp-stage-cells');
      row.appendChild(el('span', 'nbp-label', 'cells: '));
      stage.cells.forEach((cell, i) => {
        const link = el('a', 'nbp-cell-link', String(cell));
        link.href = '#';
        link.dataset.cell = String(cell);
        link.title = `Go to cell ${cell}`;
        link.addEventListener('click', event => {
          event.preventDefault();
          this.jumpTo({ cell, cell_id: stage.cell_ids?.[i] ?? null, line: null, rule: '', severity: '', message: '' });
        });
        if (i > 0) {
          row.appendChild(document.createTextNode(', '));
        }
        row.appendChild(link);
      });
      item.appendChild(row);
    }
    const facts: [string, unknown[] | undefined][] = [
      ['upstream', stage.upstream],
      ['inputs', stage.inputs],
      ['outputs', stage.outputs],
      ['params', stage.params]
    ];
    for (const [label, values] of facts) {
      if (values && values.length) {
        const row = el('div', `nbp-stage-${label}`);
        row.appendChild(el('span', 'nbp-label', `${label}: `));
        row.appendChild(el('span', '', values.join(', ')));
        item.appendChild(row);
      }
    }
    return item;
  }

  private provenanceSection(): HTMLElement {
    const section = this.section('Provenance', 'nbp-provenance', this.notes.provenance);
    if (this.provenance) {
      const table = el('dl', 'nbp-provenance-list');
      for (const line of provenanceSummary(this.provenance)) {
        table.appendChild(el('dt', '', line.label));
        table.appendChild(el('dd', '', line.text));
      }
      section.appendChild(table);
    }
    return section;
  }

  private tagsSection(): HTMLElement {
    const section = this.section('Suggested tags', 'nbp-suggestions', this.notes.tags);
    for (const change of this.applied) {
      const row = el('div', 'nbp-suggestion');
      row.appendChild(
        el('span', 'nbp-suggestion-tag', `Cell ${change.index}: ${change.after.join(', ') || '(untagged)'}`)
      );
      if (change.suggestion.reason) {
        row.appendChild(el('span', 'nbp-suggestion-reason', ` — ${change.suggestion.reason}`));
      }
      section.appendChild(row);
    }
    return section;
  }

  private notebook: NotebookPanel | null = null;
  private status: IStatus | null = null;
  private serverProblem: string | null = null;
  private findings: IFinding[] | null = null;
  private stages: IStage[] | null = null;
  private provenance: Record<string, any> | null = null;
  private exported: IExportResult | null = null;
  private applied: IApplied[] = [];
  private notes: Record<string, INote> = {};
  private running = new Set<string>();
  private forceBox: HTMLInputElement | null = null;
  private allowBox: HTMLInputElement | null = null;
}
