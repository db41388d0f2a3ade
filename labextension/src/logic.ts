/**
 * Pure logic of the nbpromote JupyterLab extension: no JupyterLab imports, so it is unit-tested
 * with jest in plain Node. The plugins (index.ts, panel.ts, tagging.ts) only wire this to the UI.
 */

/** The tag prefix the CLI and the exporter read (DESIGN.md, "Cell tags"). */
export const STAGE_PREFIX = 'stage:';

/** Prefixes that start a stage: nbpromote's, then Kubeflow Kale's (`block:`) and `step:`. */
export const STAGE_PREFIXES = [STAGE_PREFIX, 'block:', 'step:'];

/** Tags with a meaning of their own; a cell that carries one is not a stage member. */
export const SPECIAL_TAGS = ['skip', 'parameters', 'pipeline-parameters', 'imports', 'functions'];

/** The stage prefix a tag starts with, or null. */
function stagePrefix(tag: unknown): string | null {
  if (typeof tag !== 'string') {
    return null;
  }
  return STAGE_PREFIXES.find(prefix => tag.startsWith(prefix)) ?? null;
}

/**
 * True for the tags nbpromote reads (and so may replace): stage tags, the special tags and Kale's
 * `prev:<name>`. Every other tag belongs to someone else and is always kept.
 */
export function isOwnedTag(tag: unknown): boolean {
  return (
    typeof tag === 'string' &&
    (SPECIAL_TAGS.includes(tag) || stagePrefix(tag) !== null || tag.startsWith('prev:'))
  );
}

/** The default stage vocabulary (overridable in the settings). */
export const DEFAULT_VOCABULARY = ['ingest', 'validate', 'features', 'train', 'evaluate'];

/** Severities from least to most severe; the threshold keeps findings at or above it. */
export const SEVERITIES = ['info', 'warning', 'error'];

/** Colours of the vocabulary's stages, in order (no red: it reads as an error); custom stages get one by a stable hash. */
export const STAGE_COLORS = [
  '#1f77b4',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#17becf',
  '#8c564b',
  '#e377c2',
  '#7f7f7f'
];

/** A stage name is what follows `stage:`: a letter or underscore, then letters, digits, `_`, `-`. */
const STAGE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Why a stage name cannot be used, or null when it can.
 */
export function stageNameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (!trimmed) {
    return 'The stage name is empty: type a name such as "train".';
  }
  if (!STAGE_NAME.test(trimmed)) {
    return (
      `"${trimmed}" is not a valid stage name: use a letter or "_" first, then letters, ` +
      'digits, "_" or "-" (e.g. "train" or "feature_eng").'
    );
  }
  return null;
}

/**
 * The stage named by a cell's tags (the first `stage:<name>`, or Kale's `block:<name>`), or null.
 * Like the exporter, `-` in a name reads as `_` (a stage becomes a Python module).
 */
export function stageOf(tags: readonly string[] | null | undefined): string | null {
  for (const tag of tags ?? []) {
    const prefix = stagePrefix(tag);
    if (prefix !== null) {
      const name = tag.slice(prefix.length).trim().replace(/-/g, '_');
      if (name) {
        return name;
      }
    }
  }
  return null;
}

/**
 * The cell's tags with its stage set to `stage` (or removed when null). Every other tag is kept in
 * its order; any previous `stage:` tag is dropped, so a cell never belongs to two stages.
 */
export function withStage(tags: readonly string[] | null | undefined, stage: string | null): string[] {
  const kept = (tags ?? []).filter(tag => stagePrefix(tag) === null);
  if (stage === null) {
    return kept;
  }
  const problem = stageNameProblem(stage);
  if (problem) {
    throw new Error(problem);
  }
  return [...kept, STAGE_PREFIX + stage.trim()];
}

/** A cell's place in the pipeline as the exporter sees it. */
export interface ICellStage {
  /** The stage the cell belongs to, or null (before any stage, or a special cell). */
  stage: string | null;
  /** True when the cell has no `stage:` tag of its own and inherits the stage above it. */
  inherited: boolean;
  /** A special tag (`skip`, `parameters`, `imports`, `functions`) that takes the cell out. */
  special: string | null;
}

/** True when a cell's tags include `skip` (which wins over a stage tag, as in the exporter). */
export function isSkipped(tags: readonly string[] | null | undefined): boolean {
  return (tags ?? []).includes('skip');
}

/**
 * The stage of every cell, by the exporter's rule (nbpromote.export's parse_tags): tagged cells
 * start a stage, untagged code cells inherit the stage above them, special cells (`skip`,
 * `parameters`, …) belong to none and do not break inheritance, and `skip` wins over a stage tag
 * on the same cell (such a cell is left out and starts nothing).
 */
export function cellStages(
  cells: readonly { tags?: readonly string[] | null; cellType?: string }[]
): ICellStage[] {
  let current: string | null = null;
  return cells.map(cell => {
    const tags = cell.tags ?? [];
    if (isSkipped(tags)) {
      return { stage: null, inherited: false, special: 'skip' };
    }
    const special = SPECIAL_TAGS.find(tag => tags.includes(tag)) ?? null;
    const own = stageOf(tags);
    if (own !== null) {
      current = own;
      return { stage: own, inherited: false, special };
    }
    if (special !== null || (cell.cellType !== undefined && cell.cellType !== 'code')) {
      return { stage: null, inherited: false, special };
    }
    return { stage: current, inherited: current !== null, special: null };
  });
}

/** A stable small hash of a string (FNV-1a), for colours of custom stage names. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The colour of a stage: its vocabulary position, or a stable hash for a custom name. */
export function stageColor(stage: string, vocabulary: readonly string[] = DEFAULT_VOCABULARY): string {
  const index = vocabulary.indexOf(stage);
  const slot = index >= 0 ? index : hash(stage);
  return STAGE_COLORS[slot % STAGE_COLORS.length];
}

/** Clean a vocabulary from the settings: valid names, trimmed, first occurrence of each kept. */
export function normalizeVocabulary(names: readonly unknown[] | null | undefined): string[] {
  const out: string[] = [];
  for (const name of names ?? []) {
    if (typeof name !== 'string') {
      continue;
    }
    const trimmed = name.trim();
    if (stageNameProblem(trimmed) === null && !out.includes(trimmed)) {
      out.push(trimmed);
    }
  }
  return out.length ? out : [...DEFAULT_VOCABULARY];
}

/** One lint finding as the server sends it (the `nbpromote lint --format json` contract). */
export interface IFinding {
  rule: string;
  severity: string;
  cell: number | null;
  cell_id?: string | null;
  line?: number | null;
  message: string;
  fix?: string | null;
}

/** The findings of one cell, for display. */
export interface IFindingGroup {
  cell: number | null;
  cellId: string | null;
  findings: IFinding[];
}

/** The rank of a severity (unknown severities rank as warnings, so they are not hidden). */
export function severityRank(severity: string): number {
  const rank = SEVERITIES.indexOf((severity || '').toLowerCase());
  return rank >= 0 ? rank : 1;
}

/**
 * Findings at or above `threshold`, grouped by cell in notebook order (findings without a cell
 * last), each group sorted by line then rule, so the panel reads top to bottom like the notebook.
 */
export function groupFindings(findings: readonly IFinding[], threshold = 'info'): IFindingGroup[] {
  const minimum = severityRank(threshold);
  const groups = new Map<string, IFindingGroup>();
  for (const finding of findings) {
    if (severityRank(finding.severity) < minimum) {
      continue;
    }
    const cell = typeof finding.cell === 'number' ? finding.cell : null;
    const key = cell === null ? 'none' : String(cell);
    let group = groups.get(key);
    if (!group) {
      group = { cell, cellId: finding.cell_id ?? null, findings: [] };
      groups.set(key, group);
    }
    group.findings.push(finding);
  }
  const sorted = [...groups.values()].sort((a, b) => {
    if (a.cell === null) {
      return b.cell === null ? 0 : 1;
    }
    return b.cell === null ? -1 : a.cell - b.cell;
  });
  for (const group of sorted) {
    group.findings.sort(
      (a, b) => (a.line ?? 0) - (b.line ?? 0) || a.rule.localeCompare(b.rule)
    );
  }
  return sorted;
}

/** Findings of a lint response (the `notebooks[].findings` of the JSON contract), flattened. */
export function findingsOf(report: { notebooks?: { findings?: IFinding[] }[] } | null): IFinding[] {
  return (report?.notebooks ?? []).flatMap(entry => entry.findings ?? []);
}

/**
 * The index of the cell a finding (or suggestion) points at. The cell id is authoritative (it
 * survives inserting cells above); the index is the fallback for notebooks without ids.
 * Returns -1 when neither matches the open notebook.
 */
export function locateCell(
  cellIds: readonly (string | null | undefined)[],
  target: { cell?: number | null; cell_id?: string | null }
): number {
  if (target.cell_id) {
    const byId = cellIds.indexOf(target.cell_id);
    if (byId >= 0) {
      return byId;
    }
  }
  if (typeof target.cell === 'number' && target.cell >= 0 && target.cell < cellIds.length) {
    return target.cell;
  }
  return -1;
}

/** The zero-based editor line of a finding's one-based `line`, clamped to the cell. */
export function editorLine(line: number | null | undefined, lineCount: number): number {
  if (typeof line !== 'number' || !Number.isFinite(line) || line < 1) {
    return 0;
  }
  return Math.min(line - 1, Math.max(lineCount - 1, 0));
}

/** The actions of the panel that read the notebook file on the server. */
export type Action = 'lint' | 'stages' | 'suggest-tags' | 'export' | 'provenance';

/**
 * Why an action cannot run on this notebook as it is, or null. The server reads the file on disk,
 * so unsaved changes would be ignored; an export of an `Untitled` notebook would be named after it.
 */
export function saveProblem(path: string | null | undefined, dirty: boolean, action: Action): string | null {
  if (!path) {
    return 'No notebook is open: open a notebook, save it, then try again.';
  }
  if (dirty) {
    return 'The notebook has unsaved changes: save the notebook first (nbpromote reads the file on disk).';
  }
  const name = path.split('/').pop() ?? path;
  if (action === 'export' && /^Untitled[^/]*\.ipynb$/.test(name)) {
    return `"${name}" is still untitled: save the notebook first under the name the pipeline should take (File → Rename).`;
  }
  return null;
}

/** A tag suggestion from the server (`nbpromote.export.suggest_tags`, one per code cell). */
export interface ISuggestion {
  cell: number | null;
  cell_id?: string | null;
  /** The nbpromote tags proposed; empty: leave untagged (the cell inherits the stage above). */
  tags: string[];
  reason?: string;
  /** False when the cell already carries exactly these nbpromote tags. */
  changes?: boolean;
}

/** What applying a suggestion does to one cell. */
export interface IApplied {
  index: number;
  /** The cell's id when it was applied (what "Revert suggestions" finds it by). */
  id?: string | null;
  before: string[];
  after: string[];
  suggestion: ISuggestion;
}

/**
 * The tag changes that apply `suggestions` to cells, the way `nbpromote suggest-tags --write` does:
 * a cell's nbpromote tags (stage, skip, parameters …) are replaced by the suggested ones, every other
 * tag is kept in its order. Suggestions for cells the notebook no longer has, with invalid stage
 * names, or that change nothing are left out. Pure: the caller writes `after` into the cells.
 */
export function planSuggestions(
  cells: readonly { id?: string | null; tags?: readonly string[] | null }[],
  suggestions: readonly ISuggestion[]
): IApplied[] {
  const ids = cells.map(cell => cell.id ?? null);
  const out: IApplied[] = [];
  const seen = new Set<number>();
  for (const suggestion of suggestions) {
    if (suggestion.changes === false || !Array.isArray(suggestion.tags)) {
      continue;
    }
    const index = locateCell(ids, suggestion);
    if (index < 0 || seen.has(index)) {
      continue;
    }
    const proposed = suggestion.tags.filter(tag => typeof tag === 'string' && tag);
    const invalid = proposed.some(tag => {
      const prefix = stagePrefix(tag);
      return prefix !== null && stageNameProblem(tag.slice(prefix.length)) !== null;
    });
    if (invalid) {
      continue;
    }
    const before = [...(cells[index].tags ?? [])];
    const after = [...before.filter(tag => !isOwnedTag(tag)), ...proposed];
    if (after.join('\u0000') === before.join('\u0000')) {
      continue;
    }
    seen.add(index);
    out.push({ index, id: ids[index], before, after, suggestion });
  }
  return out.sort((a, b) => a.index - b.index);
}

/** A stage of the stage plan (`plan_stages(...).to_dict()`), as far as the panel reads it. */
export interface IStage {
  name: string;
  cells?: number[];
  cell_ids?: string[];
  inputs?: string[];
  outputs?: string[];
  params?: string[];
  upstream?: string[];
}

/** The stages of a stage-plan response, in the DAG order the server gives. */
export function stagesOf(plan: { stages?: IStage[] } | null): IStage[] {
  return (plan?.stages ?? []).filter(stage => stage && typeof stage.name === 'string');
}

/** Shorten `algo:hexdigest` hashes for display: `xxh3_128:3f2a9c1d…`. */
export function shortHash(value: unknown, digits = 8): string {
  if (typeof value !== 'string') {
    return '';
  }
  const colon = value.indexOf(':');
  const algo = colon >= 0 ? value.slice(0, colon + 1) : '';
  const digest = colon >= 0 ? value.slice(colon + 1) : value;
  return digest.length > digits ? `${algo}${digest.slice(0, digits)}…` : value;
}

/** One line of the provenance summary: a label and its text. */
export interface ISummaryLine {
  label: string;
  text: string;
}

/**
 * The provenance summary the panel shows for a manifest (DESIGN.md, "Manifest"): seeds, data
 * hashes, environment, git and the last capture. Missing parts are said to be missing.
 */
export function provenanceSummary(manifest: Record<string, any> | null | undefined): ISummaryLine[] {
  if (!manifest || typeof manifest !== 'object') {
    return [{ label: 'Provenance', text: 'none captured yet' }];
  }
  const lines: ISummaryLine[] = [];
  const seeds = manifest.seeds;
  if (seeds && typeof seeds === 'object' && 'seed' in seeds) {
    // The capture manifest's shape: {seed, libraries, unseeded_cells, ...}.
    const libraries = Array.isArray(seeds.libraries) && seeds.libraries.length ? ` (${seeds.libraries.join(', ')})` : '';
    const unseeded = Array.isArray(seeds.unseeded_cells) ? seeds.unseeded_cells.length : 0;
    const text =
      (seeds.seed === null || seeds.seed === undefined ? 'not set with %promote seed' : `${seeds.seed}${libraries}`) +
      (unseeded ? `; ${unseeded} unseeded cell${unseeded === 1 ? '' : 's'}` : '');
    lines.push({ label: 'Seeds', text });
  } else if (seeds && typeof seeds === 'object' && Object.keys(seeds).length) {
    const text = Object.entries(seeds)
      .map(([name, value]) => `${name}=${typeof value === 'object' ? JSON.stringify(value) : value}`)
      .join(', ');
    lines.push({ label: 'Seeds', text });
  } else {
    lines.push({ label: 'Seeds', text: 'none recorded' });
  }
  const data = manifest.data;
  if (data && typeof data === 'object' && Object.keys(data).length) {
    for (const name of Object.keys(data).sort()) {
      const entry = data[name] ?? {};
      const shape = Array.isArray(entry.shape) ? ` ${entry.shape.join('×')}` : '';
      lines.push({ label: `Data ${name}`, text: `${shortHash(entry.hash)}${shape}` });
    }
  } else {
    lines.push({ label: 'Data', text: 'no data hashed' });
  }
  const env = manifest.environment;
  if (env && typeof env === 'object') {
    const parts: string[] = [];
    if (env.python) {
      parts.push(`Python ${env.python}`);
    }
    if (env.platform) {
      parts.push(String(env.platform));
    }
    if (env.packages && typeof env.packages === 'object') {
      parts.push(`${Object.keys(env.packages).length} packages`);
    }
    if (env.lock_hash) {
      parts.push(`lock ${shortHash(env.lock_hash)}`);
    }
    lines.push({ label: 'Environment', text: parts.join(', ') || 'recorded' });
  }
  const git = manifest.git;
  if (git && typeof git === 'object' && git.commit) {
    lines.push({
      label: 'Git',
      text: `${String(git.commit).slice(0, 10)}${git.dirty ? ' (uncommitted changes)' : ''}`
    });
  } else if (git && typeof git === 'object') {
    lines.push({ label: 'Git', text: git.reason ? `not recorded: ${git.reason}` : 'not recorded' });
  }
  if (Array.isArray(manifest.execution)) {
    const runs = manifest.execution.length;
    lines.push({ label: 'Execution', text: `${runs} cell run${runs === 1 ? '' : 's'} recorded` });
  }
  const created = manifest.created_at;
  lines.push({ label: 'Last capture', text: typeof created === 'string' ? created : 'unknown' });
  return lines;
}

/** The number a person reads for a 0-based cell index: 1-based, as JupyterLab's status bar shows. */
export function cellNumber(index: number | null | undefined): string {
  return typeof index === 'number' && Number.isFinite(index) ? String(index + 1) : '?';
}

/** An error as the server sends it (DESIGN decision 6): `{"error": {code, message, hint, override}}`. */
export interface IServerError {
  status: number;
  code: string;
  message: string;
  hint?: string | null;
  override?: string | null;
  details?: Record<string, any>;
}

/** The panel's names for the request options that override a refusal. */
export const OVERRIDES: Record<string, string> = {
  force: 'Overwrite an existing package',
  allow_findings: 'Export despite lint errors'
};

/**
 * A refusal from the server in the panel's words: what happened and which checkbox or button
 * changes it. Command-line hints (`--force`, `nbpromote …`) are only shown when the panel has no
 * way to act on them itself.
 */
export function refusalText(error: IServerError): string {
  if (error.status === 0) {
    return 'The Jupyter server cannot be reached.';
  }
  const override = error.override ? OVERRIDES[error.override] : undefined;
  if (error.code === 'lint-errors') {
    const count = Array.isArray(error.details?.findings) ? error.details!.findings.length : 0;
    return (
      `${count || 'Some'} lint error${count === 1 ? '' : 's'} block the export. Fix ` +
      `${count === 1 ? 'it' : 'them'} (see Lint findings), or tick "${OVERRIDES.allow_findings}" and export again.`
    );
  }
  if (error.code === 'output-exists' && override) {
    const where = error.details?.path ? `"${error.details.path}"` : 'The package directory';
    return `${where} already holds an export of this notebook. Tick "${override}" and export again to replace it.`;
  }
  const message = (error.message || `Request failed (${error.status}).`).trim();
  // The panel's own button for what the command line calls `nbpromote suggest-tags`.
  const hint = (error.hint || '').trim().replace(/\(?see `nbpromote suggest-tags[^`]*`\)?/g, '(or press Suggest tags)');
  const cliOnly = /(^|\s)--[a-z]|\(force=|pass --/i.test(hint);
  if (override) {
    return `${message} Tick "${override}" and try again.`;
  }
  return hint && !cliOnly && !message.includes(hint) ? `${message} ${hint}` : message;
}

/**
 * What the panel says when the `status` request failed: the server extension is missing (404),
 * the request was refused (403), or the server is unreachable.
 */
export function statusProblem(status: number | null): string {
  if (status === 404) {
    return (
      'This Jupyter server does not have the nbpromote server extension: install nbpromote in the ' +
      "server's environment (pip install nbpromote) and restart JupyterLab."
    );
  }
  if (status === 403) {
    return 'The Jupyter server refused the request (not authenticated): reload the page and log in again.';
  }
  return 'The Jupyter server cannot be reached. It may be restarting; press Retry once it is back.';
}

/** Cells of a stage that the last capture never ran (added after it), as 1-based numbers. */
export interface IUncaptured {
  stage: string;
  cells: string[];
}

/**
 * Stages that gained cells after the last recorded capture: cells of the stage plan whose ids the
 * manifest's `execution` records never saw. Empty without a manifest or without execution records.
 */
export function uncapturedCells(
  stages: readonly IStage[] | null,
  manifest: Record<string, any> | null | undefined
): IUncaptured[] {
  const runs = manifest && Array.isArray(manifest.execution) ? manifest.execution : null;
  if (!stages || !runs || !runs.length) {
    return [];
  }
  const seen = new Set(runs.map((run: any) => run && run.cell_id).filter((id: unknown) => typeof id === 'string'));
  if (!seen.size) {
    return [];
  }
  const out: IUncaptured[] = [];
  for (const stage of stages) {
    const ids = stage.cell_ids ?? [];
    const fresh = (stage.cells ?? []).filter((_, i) => typeof ids[i] === 'string' && !seen.has(ids[i]));
    if (fresh.length) {
      out.push({ stage: stage.name, cells: fresh.map(cellNumber) });
    }
  }
  return out;
}

/** The WCAG relative luminance of a `#rrggbb` colour. */
export function luminance(hex: string): number {
  const value = hex.replace('#', '');
  const channels = [0, 2, 4].map(i => parseInt(value.slice(i, i + 2), 16) / 255);
  const [r, g, b] = channels.map(c => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The WCAG contrast ratio of two `#rrggbb` colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** Black or white, whichever reads better on `background` (a stage colour). */
export function textColorOn(background: string): string {
  return contrastRatio(background, '#000000') >= contrastRatio(background, '#ffffff') ? '#000000' : '#ffffff';
}
