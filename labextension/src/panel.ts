import { NotebookPanel } from '@jupyterlab/notebook';
import {
  bugIcon,
  downloadIcon,
  LabIcon,
  refreshIcon,
  tagIcon,
  undoIcon
} from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import {
  Action,
  cellNumber,
  editorLine,
  findingsOf,
  groupFindings,
  IApplied,
  IFinding,
  IStage,
  locateCell,
  provenanceSummary,
  refusalText,
  saveProblem,
  stageColor,
  stagesOf,
  statusProblem,
  uncapturedCells,
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
  kind: 'info' | 'error' | 'ok' | 'warn';
  text: string;
  /** A button offered with the note (e.g. "Save and lint"). */
  action?: { label: string; run: () => Promise<void> };
  /** Set by an export (cleared when the next export starts). */
  fromExport?: boolean;
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
  constructor(
    private readonly suggest: () => Promise<IApplied[] | undefined>,
    private readonly revert: (applied: readonly IApplied[]) => number,
    private readonly openPath: (path: string) => void
  ) {
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
      this.notebook.context.pathChanged.disconnect(this.onPathChanged, this);
      this.notebook.context.saveState.disconnect(this.onSaveState, this);
      this.notebook.sessionContext.statusChanged.disconnect(this.render, this);
      this.notebook.sessionContext.kernelChanged.disconnect(this.render, this);
    }
    this.notebook = panel;
    this.findings = null;
    this.stages = null;
    this.graphSvg = null;
    this.provenance = null;
    this.provenanceLoaded = false;
    this.notes = {};
    this.applied = [];
    this.exported = null;
    this.findingsStale = false;
    // The overrides apply to one export of one notebook, never to the next notebook.
    this.force = false;
    this.allowFindings = false;
    if (panel) {
      panel.context.pathChanged.connect(this.onPathChanged, this);
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
      this.findingsStale = false;
      this.scrollTo = 'nbp-findings';
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
    const force = this.force;
    const allowFindings = this.allowFindings;
    // One export: the overrides are used now and reset, so a later plain Export never overwrites
    // a package or ships lint errors silently.
    this.force = false;
    this.allowFindings = false;
    this.exported = null;
    if (this.notes.lint?.fromExport) {
      delete this.notes.lint;
    }
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
        this.findingsStale = false;
        this.notes.lint = errors
          ? {
              kind: 'warn',
              text: `Exported despite ${errors} lint error${errors === 1 ? '' : 's'}; the package's model card lists them.`,
              fromExport: true
            }
          : {
              kind: this.findings.length ? 'info' : 'ok',
              text: `${this.findings.length} finding${this.findings.length === 1 ? '' : 's'} at export time.`,
              fromExport: true
            };
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
      const n = this.applied.length;
      this.notes.tags = {
        kind: 'info',
        text: n
          ? `Applied ${n} suggested tag change${n === 1 ? '' : 's'} (not saved yet): review them, then ` +
            'save the notebook, or press Revert suggestions to put the previous tags back.'
          : 'No suggestions: every cell already has the suggested tags.'
      };
    });
  }

  /** Put back the tags the last "Suggest tags" replaced, exactly as they were. */
  revertSuggestions(): void {
    const restored = this.revert(this.applied);
    this.applied = [];
    this.notes.tags = {
      kind: 'ok',
      text: `Restored the previous tags of ${restored} cell${restored === 1 ? '' : 's'}.`
    };
    this.render();
  }

  private async loadStages(): Promise<void> {
    const path = this.savedPath('stages');
    if (path === null || !this.available('stages')) {
      return;
    }
    await this.busy('stages', async () => {
      const plan = await postAPI<any>('stages', { path });
      this.stages = stagesOf(plan);
      this.graphSvg = typeof plan?.graph_svg === 'string' ? plan.graph_svg : null;
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
      this.provenanceLoaded = true;
      delete this.notes.provenance;
      this.serverBack();
    } catch (error) {
      this.provenance = null;
      if (!this.serverDown(error)) {
        this.notes.provenance = { kind: 'error', text: this.words(error) };
      }
    }
    this.render();
  }

  private onPathChanged(): void {
    // A rename: the header and every result name the notebook by its new path.
    this.render();
    void this.refresh();
  }

  private onSaveState(_: unknown, state: string): void {
    if (state !== 'completed') {
      return;
    }
    if (this.findings !== null) {
      // What was linted is no longer what is on disk, until the next lint.
      this.findingsStale = true;
    }
    void this.refresh();
    if (this.settings.liveLint) {
      void this.lint();
    }
  }

  /** Ask the server what it offers; called at start and by the Retry button. */
  async checkServer(): Promise<void> {
    try {
      this.status = await requestAPI<IStatus>('status');
      this.serverProblem = null;
      this.unreachable = false;
    } catch (error) {
      this.status = null;
      this.unreachable = error instanceof NbpromoteAPIError && error.unreachable;
      this.serverProblem = statusProblem(error instanceof NbpromoteAPIError ? error.status : null);
    }
    this.render();
    if (this.serverProblem === null && this.notebook) {
      await this.refresh();
    }
  }

  /** True (and one panel-level message with Retry) when `error` says the server is unreachable. */
  private serverDown(error: unknown): boolean {
    if (error instanceof NbpromoteAPIError && error.unreachable) {
      this.unreachable = true;
      this.serverProblem = statusProblem(null);
      if (this.findings !== null) {
        this.findingsStale = true;
      }
      return true;
    }
    return false;
  }

  /** A request succeeded: any "cannot be reached" message is out of date. */
  private serverBack(): void {
    if (this.unreachable) {
      this.unreachable = false;
      this.serverProblem = null;
    }
  }

  /** An error in the panel's words. */
  private words(error: unknown): string {
    if (error instanceof NbpromoteAPIError) {
      return refusalText(error);
    }
    return error instanceof Error ? error.message : String(error);
  }

  private available(part: string): boolean {
    return !!this.status && this.status.parts[part] !== false;
  }

  /** The saved notebook's path for an action, or null (and a note in `section` saying why). */
  private ready(action: Action, section: string): string | null {
    if (this.serverProblem) {
      // One panel-level message (with Retry) says it; no copy per section.
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
      this.serverBack();
    } catch (error) {
      if (this.serverDown(error)) {
        return;
      }
      this.serverBack();
      const note: INote = { kind: 'error', text: this.words(error) };
      if (error instanceof NbpromoteAPIError && error.override && section === 'export') {
        // Ask at the moment of need: one button that exports once with the override.
        const override = error.override;
        note.action = {
          label: override === 'force' ? 'Overwrite and export' : 'Export despite lint errors',
          run: async () => {
            if (override === 'force') {
              this.force = true;
            } else {
              this.allowFindings = true;
            }
            await this.export();
          }
        };
      }
      this.notes[section] = note;
      if (section === 'lint' && this.findings !== null) {
        this.findingsStale = true;
      }
      if (section === 'export' && error instanceof NbpromoteAPIError && error.findings) {
        // The findings that blocked the export, listed where findings are read.
        this.findings = error.findings as IFinding[];
        this.findingsStale = false;
        this.scrollTo = 'nbp-findings';
        this.notes.lint = {
          kind: 'error',
          text: `These ${this.findings.length} lint error${this.findings.length === 1 ? '' : 's'} block the export.`,
          fromExport: true
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
        text: `Cell ${cellNumber(finding.cell)} is no longer in the notebook: lint again.`
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
    const scroll = root.scrollTop;
    root.replaceChildren();
    const header = el('div', 'nbp-header');
    header.appendChild(el('h2', 'nbp-title', 'Promotion'));
    const name = this.notebook?.context.path ?? 'No notebook open';
    header.appendChild(el('div', 'nbp-notebook', name));
    root.appendChild(header);

    if (this.serverProblem) {
      const box = el('div', 'nbp-note nbp-note-error nbp-server-problem', this.serverProblem);
      if (this.unreachable) {
        const retry = el('button', 'jp-Button jp-mod-styled jp-mod-reject nbp-note-action nbp-retry', 'Retry');
        retry.addEventListener('click', () => void this.checkServer());
        box.appendChild(el('br'));
        box.appendChild(retry);
      }
      root.appendChild(box);
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

    // A JupyterLab-style toolbar: icon buttons with tooltips.
    const actions = el('div', 'jp-Toolbar nbp-actions');
    actions.setAttribute('role', 'toolbar');
    actions.setAttribute('aria-label', 'Promotion actions');
    const disabled = !this.notebook || !!this.serverProblem;
    actions.appendChild(
      this.button('Lint', bugIcon, 'Lint the saved notebook for leakage and show the findings', 'nbp-lint-button', 'lint', disabled, () => this.lint())
    );
    actions.appendChild(
      this.button('Export', downloadIcon, 'Export the saved notebook\'s stages to a pipeline package', 'nbp-export-button', 'export', disabled, () => this.export())
    );
    actions.appendChild(
      this.button('Suggest tags', tagIcon, 'Tag the cells with suggested stages, for review (not saved)', 'nbp-suggest-button', 'tags', disabled, () => this.suggestTags())
    );
    actions.appendChild(
      this.button('Refresh', refreshIcon, 'Reload the stages and provenance of the saved notebook', 'nbp-refresh-button', 'stages', disabled, () => this.refresh())
    );
    root.appendChild(actions);
    const options = el('div', 'nbp-options');
    this.checkbox(options, 'Overwrite an existing package', 'nbp-force', this.force, value => (this.force = value),
      'For the next export only: replace the package directory if it holds an earlier export of this notebook');
    this.checkbox(options, 'Export despite lint errors', 'nbp-allow', this.allowFindings, value => (this.allowFindings = value),
      'For the next export only: export even when Lint reports errors (the model card lists them)');
    root.appendChild(options);

    root.appendChild(this.exportSection());
    root.appendChild(this.stagesSection());
    root.appendChild(this.findingsSection());
    root.appendChild(this.provenanceSection());
    root.appendChild(this.tagsSection());
    root.scrollTop = scroll;
    if (this.scrollTo) {
      const target = root.querySelector(`.${this.scrollTo}`);
      this.scrollTo = null;
      target?.scrollIntoView({ block: 'start' });
    }
  }

  private button(
    label: string,
    icon: LabIcon,
    tooltip: string,
    className: string,
    section: string,
    disabled: boolean,
    action: () => Promise<void>
  ): HTMLButtonElement {
    const button = el('button', `jp-ToolbarButtonComponent nbp-button ${className}`);
    const running = this.running.has(section);
    button.title = tooltip;
    button.setAttribute('aria-label', label);
    button.appendChild(icon.element({ className: 'jp-ToolbarButtonComponent-icon', tag: 'span' }));
    button.appendChild(el('span', 'jp-ToolbarButtonComponent-label nbp-button-label', running ? `${label}…` : label));
    button.disabled = disabled || running;
    button.addEventListener('click', () => void action());
    return button;
  }

  private checkbox(
    parent: HTMLElement,
    text: string,
    className: string,
    checked: boolean,
    onChange: (value: boolean) => void,
    tooltip: string
  ): HTMLInputElement {
    const label = el('label', `nbp-option ${className}`);
    label.title = tooltip;
    const box = el('input');
    box.type = 'checkbox';
    box.checked = checked;
    box.addEventListener('change', () => onChange(box.checked));
    label.appendChild(box);
    label.appendChild(document.createTextNode(` ${text}`));
    parent.appendChild(label);
    return box;
  }

  private section(title: string, className: string, note?: INote): HTMLElement {
    const section = el('section', `nbp-section ${className}`);
    section.appendChild(el('h3', 'nbp-section-title', title));
    if (note) {
      section.appendChild(this.noteBox(note));
    }
    return section;
  }

  private noteBox(note: INote): HTMLElement {
    const box = el('div', `nbp-note nbp-note-${note.kind}`, note.text);
    if (note.action) {
      const { label, run } = note.action;
      const button = el('button', 'jp-Button jp-mod-styled jp-mod-reject nbp-note-action', label);
      button.addEventListener('click', () => void run());
      box.appendChild(el('br'));
      box.appendChild(button);
    }
    return box;
  }

  private exportSection(): HTMLElement {
    const section = this.section('Export', 'nbp-export', this.notes.export);
    const dir = this.exported?.package_dir;
    if (dir) {
      // The package path opens in the file browser.
      const link = el('a', 'nbp-package-path', dir);
      link.href = '#';
      link.title = `Show ${dir} in the file browser`;
      link.addEventListener('click', event => {
        event.preventDefault();
        this.openPath(dir);
      });
      section.appendChild(link);
    }
    return section;
  }

  private findingsSection(): HTMLElement {
    const section = this.section('Lint findings', 'nbp-findings', this.notes.lint);
    if (this.findings === null) {
      if (!this.notes.lint) {
        section.appendChild(el('div', 'nbp-empty', 'Not linted yet. Press Lint to check the saved notebook.'));
      }
      return section;
    }
    if (this.findingsStale) {
      section.classList.add('nbp-stale');
      section.appendChild(
        el('div', 'nbp-note nbp-note-warn nbp-stale-note', 'These findings are from an earlier lint and may be out of date. Press Lint to update them.')
      );
    }
    const groups = groupFindings(this.findings, this.settings.severityThreshold);
    for (const group of groups) {
      const block = el('div', 'nbp-finding-group');
      block.appendChild(
        el('div', 'nbp-finding-cell', group.cell === null ? 'Notebook' : `Cell ${cellNumber(group.cell)}`)
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
        el('div', 'nbp-empty', 'No stage tags yet. Tag cells with the stage selector in the notebook toolbar, or press Suggest tags.')
      );
    }
    const graph = this.graphSvg ? this.graphNode(this.graphSvg) : null;
    if (graph) {
      section.appendChild(graph);
    }
    for (const gained of uncapturedCells(this.stages, this.provenanceLoaded ? this.provenance : null)) {
      const plural = gained.cells.length === 1 ? '' : 's';
      section.appendChild(
        this.noteBox({
          kind: 'warn',
          text:
            `Stage "${gained.stage}" gained cell${plural} ${gained.cells.join(', ')} after the last capture ` +
            `(untagged cells join the stage above). Tag ${gained.cells.length === 1 ? 'it' : 'them'} skip to keep ` +
            `${gained.cells.length === 1 ? 'it' : 'them'} out of the export, or capture again.`
        })
      ).classList.add('nbp-uncaptured');
    }
    const list = el('ol', 'nbp-stage-list');
    for (const stage of this.stages) {
      list.appendChild(this.stageItem(stage));
    }
    section.appendChild(list);
    return section;
  }

  /**
   * The stage graph (SVG drawn by the server with the pipeline runtime's renderer), themed with
   * JupyterLab's colours; clicking a stage's box selects its first cell. Parsed as XML and kept
   * only if it is plain SVG: no script, no event-handler attributes, no foreign objects.
   */
  private graphNode(text: string): HTMLElement | null {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const svg = doc.documentElement;
    if (svg.nodeName !== 'svg' || doc.getElementsByTagName('parsererror').length) {
      return null;
    }
    for (const bad of Array.from(svg.querySelectorAll('script, foreignObject, iframe'))) {
      bad.remove();
    }
    for (const node of [svg, ...Array.from(svg.querySelectorAll('*'))]) {
      for (const attr of Array.from(node.attributes)) {
        if (/^on/i.test(attr.name) || /javascript:/i.test(attr.value)) {
          node.removeAttribute(attr.name);
        }
      }
    }
    const box = el('div', 'nbp-graph-box');
    box.setAttribute('role', 'group');
    box.setAttribute('aria-label', 'Stage graph: click a stage to select its first cell');
    const node = document.importNode(svg, true) as unknown as SVGSVGElement;
    node.removeAttribute('width');
    node.removeAttribute('height');
    node.classList.add('nbp-graph-svg');
    box.appendChild(node);
    for (const group of Array.from(node.querySelectorAll('[data-stage]'))) {
      const name = group.getAttribute('data-stage');
      const stage = this.stages?.find(s => s.name === name);
      if (!stage || !stage.cells?.length) {
        continue;
      }
      group.classList.add('nbp-graph-link');
      group.setAttribute('tabindex', '0');
      group.setAttribute('role', 'link');
      const go = () =>
        this.jumpTo({ cell: stage.cells![0], cell_id: stage.cell_ids?.[0] ?? null, line: null, rule: '', severity: '', message: '' });
      group.addEventListener('click', go);
      group.addEventListener('keydown', (event: Event) => {
        if ((event as KeyboardEvent).key === 'Enter') {
          go();
        }
      });
    }
    return box;
  }

  private stageItem(stage: IStage): HTMLElement {
    const item = el('li', 'nbp-stage');
    item.dataset.stage = stage.name;
    item.style.setProperty('--nbp-stage-color', stageColor(stage.name, this.settings.vocabulary));
    item.appendChild(el('span', 'nbp-stage-name', stage.name));
    if (stage.cells && stage.cells.length) {
      // Each cell number (1-based, as JupyterLab's status bar counts) is a link to the cell.
      const row = el('div', 'nbp-stage-cells');
      row.appendChild(el('span', 'nbp-label', 'cells: '));
      stage.cells.forEach((cell, i) => {
        const link = el('a', 'nbp-cell-link', cellNumber(cell));
        link.href = '#';
        link.dataset.cell = String(cell);
        link.title = `Go to cell ${cellNumber(cell)}`;
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
    } else if (this.provenanceLoaded && !this.notes.provenance) {
      section.appendChild(
        el('div', 'nbp-empty', 'No provenance captured yet. Run %promote save in the notebook (or nbpromote capture) to record it.')
      );
    }
    return section;
  }

  private tagsSection(): HTMLElement {
    const section = this.section('Suggested tags', 'nbp-suggestions', this.notes.tags);
    if (this.applied.length) {
      const revert = el('button', 'jp-Button jp-mod-styled jp-mod-reject nbp-revert-button');
      revert.appendChild(undoIcon.element({ tag: 'span', className: 'nbp-inline-icon' }));
      revert.appendChild(el('span', '', 'Revert suggestions'));
      revert.title = 'Put back the tags these cells had before Suggest tags, exactly';
      revert.addEventListener('click', () => this.revertSuggestions());
      section.appendChild(revert);
    }
    for (const change of this.applied) {
      const row = el('div', 'nbp-suggestion');
      row.appendChild(
        el('span', 'nbp-suggestion-tag', `Cell ${cellNumber(change.index)}: ${change.after.join(', ') || '(untagged)'}`)
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
  private graphSvg: string | null = null;
  private provenance: Record<string, any> | null = null;
  private exported: IExportResult | null = null;
  private applied: IApplied[] = [];
  private notes: Record<string, INote> = {};
  private running = new Set<string>();
  private force = false;
  private allowFindings = false;
  private findingsStale = false;
  private provenanceLoaded = false;
  private unreachable = false;
  private scrollTo: string | null = null;
}
