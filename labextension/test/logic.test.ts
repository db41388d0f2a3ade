import {
  cellNumber,
  cellStages,
  contrastRatio,
  DEFAULT_VOCABULARY,
  editorLine,
  findingsOf,
  groupFindings,
  IFinding,
  isOwnedTag,
  locateCell,
  normalizeVocabulary,
  planSuggestions,
  provenanceSummary,
  saveProblem,
  severityRank,
  shortHash,
  stageColor,
  stageNameProblem,
  stageOf,
  stagesOf,
  STAGE_COLORS,
  statusProblem,
  refusalText,
  textColorOn,
  uncapturedCells,
  withStage
} from '../src/logic';

const finding = (over: Partial<IFinding>): IFinding => ({
  rule: 'NBP101',
  severity: 'error',
  cell: 0,
  cell_id: null,
  line: 1,
  message: 'm',
  fix: null,
  ...over
});

describe('stage names', () => {
  it('accepts identifiers and dashes', () => {
    expect(stageNameProblem('train')).toBeNull();
    expect(stageNameProblem('feature_eng-2')).toBeNull();
    expect(stageNameProblem('  _x ')).toBeNull();
  });
  it('refuses empty names, spaces, colons and leading digits, saying what to type', () => {
    expect(stageNameProblem('')).toMatch(/empty/);
    expect(stageNameProblem('   ')).toMatch(/empty/);
    expect(stageNameProblem('two words')).toMatch(/not a valid stage name/);
    expect(stageNameProblem('a:b')).toMatch(/not a valid stage name/);
    expect(stageNameProblem('1st')).toMatch(/letter or "_" first/);
  });
});

describe('stageOf', () => {
  it('reads the first stage: tag', () => {
    expect(stageOf(['parameters', 'stage:train', 'stage:evaluate'])).toBe('train');
  });
  it('reads Kale\'s block: tags and normalises - to _ like the exporter', () => {
    expect(stageOf(['block:train'])).toBe('train');
    expect(stageOf(['stage:feature-eng'])).toBe('feature_eng');
  });
  it('is null without a stage tag, for empty "stage:" and for missing tags', () => {
    expect(stageOf(['skip', 'prev:train'])).toBeNull();
    expect(stageOf(['stage:'])).toBeNull();
    expect(stageOf(undefined)).toBeNull();
    expect(stageOf(null)).toBeNull();
  });
});

describe('withStage', () => {
  it('adds the stage and keeps every other tag in order', () => {
    expect(withStage(['parameters', 'keep-me'], 'ingest')).toEqual([
      'parameters',
      'keep-me',
      'stage:ingest'
    ]);
  });
  it('replaces a previous stage (Kale\'s block: too) so a cell never has two', () => {
    expect(withStage(['stage:ingest', 'x', 'stage:old'], 'train')).toEqual(['x', 'stage:train']);
    expect(withStage(['block:a', 'prev:b'], 'train')).toEqual(['prev:b', 'stage:train']);
  });
  it('clears the stage with null and leaves other tags', () => {
    expect(withStage(['a', 'stage:train'], null)).toEqual(['a']);
    expect(withStage(undefined, null)).toEqual([]);
  });
  it('trims the name', () => {
    expect(withStage([], ' train ')).toEqual(['stage:train']);
  });
  it('throws on an invalid name without touching the input', () => {
    const tags = ['a'];
    expect(() => withStage(tags, 'bad name')).toThrow(/not a valid stage name/);
    expect(tags).toEqual(['a']);
  });
});

describe('cellStages', () => {
  it('lets untagged code cells inherit the stage above', () => {
    const stages = cellStages([
      { tags: [], cellType: 'code' },
      { tags: ['stage:ingest'], cellType: 'code' },
      { tags: [], cellType: 'code' },
      { tags: ['stage:train'], cellType: 'code' },
      { tags: [], cellType: 'code' }
    ]);
    expect(stages.map(s => s.stage)).toEqual([null, 'ingest', 'ingest', 'train', 'train']);
    expect(stages.map(s => s.inherited)).toEqual([false, false, true, false, true]);
  });
  it('takes skip/parameters cells and markdown out without breaking inheritance', () => {
    const stages = cellStages([
      { tags: ['parameters'], cellType: 'code' },
      { tags: ['stage:ingest'], cellType: 'code' },
      { tags: ['skip'], cellType: 'code' },
      { tags: [], cellType: 'markdown' },
      { tags: [], cellType: 'code' }
    ]);
    expect(stages.map(s => s.stage)).toEqual([null, 'ingest', null, null, 'ingest']);
    expect(stages[0].special).toBe('parameters');
    expect(stages[2].special).toBe('skip');
    expect(stages[3].special).toBeNull();
  });
  it('follows the exporter: skip wins over a stage tag on the same cell, which starts nothing', () => {
    const stages = cellStages([
      { tags: ['stage:ingest'], cellType: 'code' },
      { tags: ['stage:train', 'skip'], cellType: 'code' },
      { tags: [], cellType: 'code' }
    ]);
    expect(stages.map(s => s.stage)).toEqual(['ingest', null, 'ingest']);
    expect(stages[1]).toEqual({ stage: null, inherited: false, special: 'skip' });
  });
});

describe('cellNumber', () => {
  it('is 1-based, as JupyterLab\'s status bar counts', () => {
    expect(cellNumber(0)).toBe('1');
    expect(cellNumber(16)).toBe('17');
    expect(cellNumber(null)).toBe('?');
  });
});

describe('refusalText', () => {
  const base = { status: 422, code: 'x', message: 'm', hint: null, override: null };
  it('names the checkbox for lint errors, not the command-line option', () => {
    const text = refusalText({
      ...base,
      code: 'lint-errors',
      override: 'allow_findings',
      hint: 'pass --allow-findings',
      details: { findings: [{}, {}] }
    });
    expect(text).toBe(
      '2 lint errors block the export. Fix them (see Lint findings), or tick "Export despite lint errors" and export again.'
    );
    expect(text).not.toMatch(/--|force=/);
  });
  it('names the overwrite checkbox for an existing package', () => {
    const text = refusalText({
      ...base,
      status: 409,
      code: 'output-exists',
      override: 'force',
      hint: 'Pass --force (force=True) to replace it',
      details: { path: 'credit_pipeline' }
    });
    expect(text).toMatch(/^"credit_pipeline" already holds an export of this notebook\. Tick "Overwrite an existing package"/);
    expect(text).not.toMatch(/--force|force=True/);
  });
  it('keeps a useful hint and drops command-line-only ones', () => {
    expect(refusalText({ ...base, message: 'Too big.', hint: 'Lint it from a terminal instead: nbpromote lint a.ipynb' }))
      .toBe('Too big. Lint it from a terminal instead: nbpromote lint a.ipynb');
    expect(refusalText({ ...base, message: 'No.', hint: 'pass --thing' })).toBe('No.');
  });
  it('names the panel\'s Suggest tags button instead of the command', () => {
    const text = refusalText({
      ...base,
      code: 'stage-graph',
      message: 'cells 1, 2 come before the first stage tag.',
      hint: 'Tag them `stage:<name>` or `skip` (see `nbpromote suggest-tags`).'
    });
    expect(text).toBe('cells 1, 2 come before the first stage tag. Tag them `stage:<name>` or `skip` (or press Suggest tags).');
  });
  it('says plainly when the server cannot be reached', () => {
    expect(refusalText({ ...base, status: 0, code: 'unreachable', message: 'TypeError: Failed to fetch' }))
      .toBe('The Jupyter server cannot be reached.');
  });
});

describe('uncapturedCells', () => {
  const stages = [
    { name: 'train', cells: [3, 4], cell_ids: ['t1', 't2'] },
    { name: 'evaluate', cells: [5, 6, 7], cell_ids: ['e1', 'scratch1', 'scratch2'] }
  ];
  it('lists, per stage, the cells the last capture never ran (1-based)', () => {
    const manifest = { execution: [{ cell_id: 't1' }, { cell_id: 't2' }, { cell_id: 'e1' }] };
    expect(uncapturedCells(stages, manifest)).toEqual([{ stage: 'evaluate', cells: ['7', '8'] }]);
  });
  it('says nothing without a manifest or execution records', () => {
    expect(uncapturedCells(stages, null)).toEqual([]);
    expect(uncapturedCells(stages, { execution: [] })).toEqual([]);
  });
});

describe('stage label colours', () => {
  it('pick black or white text for WCAG AA (4.5:1) on every stage colour', () => {
    for (const color of STAGE_COLORS) {
      expect(contrastRatio(color, textColorOn(color))).toBeGreaterThanOrEqual(4.5);
    }
  });
});

describe('stageColor', () => {
  it('follows the vocabulary order', () => {
    expect(stageColor('ingest')).toBe(STAGE_COLORS[0]);
    expect(stageColor('train')).toBe(STAGE_COLORS[3]);
    expect(stageColor('train', ['train'])).toBe(STAGE_COLORS[0]);
  });
  it('gives a custom stage a stable colour from the palette', () => {
    const a = stageColor('my_custom_stage');
    expect(STAGE_COLORS).toContain(a);
    expect(stageColor('my_custom_stage')).toBe(a);
  });
});

describe('normalizeVocabulary', () => {
  it('keeps valid unique names in order', () => {
    expect(normalizeVocabulary([' ingest', 'train', 'ingest', 'bad name', 3, 'eval'])).toEqual([
      'ingest',
      'train',
      'eval'
    ]);
  });
  it('falls back to the default vocabulary when nothing usable is left', () => {
    expect(normalizeVocabulary([])).toEqual(DEFAULT_VOCABULARY);
    expect(normalizeVocabulary(null)).toEqual(DEFAULT_VOCABULARY);
    expect(normalizeVocabulary(['', '!!'])).toEqual(DEFAULT_VOCABULARY);
  });
});

describe('groupFindings', () => {
  const findings = [
    finding({ cell: 5, line: 3, rule: 'B', severity: 'warning' }),
    finding({ cell: 2, line: 9, rule: 'A', severity: 'error' }),
    finding({ cell: 5, line: 1, rule: 'C', severity: 'info' }),
    finding({ cell: null, line: null, rule: 'N', severity: 'error' }),
    finding({ cell: 2, line: 2, rule: 'Z', severity: 'error' })
  ];
  it('groups by cell in notebook order, notebook-level findings last, lines ascending', () => {
    const groups = groupFindings(findings);
    expect(groups.map(g => g.cell)).toEqual([2, 5, null]);
    expect(groups[0].findings.map(f => f.line)).toEqual([2, 9]);
    expect(groups[1].findings.map(f => f.rule)).toEqual(['C', 'B']);
  });
  it('drops findings below the severity threshold', () => {
    expect(groupFindings(findings, 'warning').flatMap(g => g.findings.map(f => f.rule))).toEqual([
      'Z',
      'A',
      'B',
      'N'
    ]);
    expect(groupFindings(findings, 'error').map(g => g.cell)).toEqual([2, null]);
  });
  it('treats unknown severities as warnings so they are not silently hidden', () => {
    expect(severityRank('WARNING')).toBe(1);
    expect(severityRank('critical')).toBe(1);
    expect(groupFindings([finding({ severity: 'odd' })], 'warning')).toHaveLength(1);
    expect(groupFindings([finding({ severity: 'odd' })], 'error')).toHaveLength(0);
  });
  it('returns nothing for no findings', () => {
    expect(groupFindings([])).toEqual([]);
  });
});

describe('findingsOf and stagesOf', () => {
  it('flatten the lint JSON contract', () => {
    const report = {
      notebooks: [
        { notebook: 'a.ipynb', findings: [finding({ rule: 'X' })] },
        { notebook: 'b.ipynb', findings: [finding({ rule: 'Y' })] }
      ]
    };
    expect(findingsOf(report).map(f => f.rule)).toEqual(['X', 'Y']);
    expect(findingsOf(null)).toEqual([]);
    expect(findingsOf({})).toEqual([]);
  });
  it('keep stages in the order the server gives and drop malformed entries', () => {
    const plan = { stages: [{ name: 'ingest' }, { nope: 1 } as any, { name: 'train' }] };
    expect(stagesOf(plan).map(s => s.name)).toEqual(['ingest', 'train']);
    expect(stagesOf(null)).toEqual([]);
  });
});

describe('locateCell', () => {
  const ids = ['a', 'b', 'c'];
  it('prefers the cell id', () => {
    expect(locateCell(ids, { cell: 0, cell_id: 'c' })).toBe(2);
  });
  it('falls back to the index when the id is unknown or missing', () => {
    expect(locateCell(ids, { cell: 1, cell_id: 'zzz' })).toBe(1);
    expect(locateCell(ids, { cell: 1 })).toBe(1);
  });
  it('is -1 when neither matches', () => {
    expect(locateCell(ids, { cell: 7, cell_id: 'zzz' })).toBe(-1);
    expect(locateCell(ids, { cell: -1 })).toBe(-1);
    expect(locateCell(ids, { cell: null })).toBe(-1);
  });
});

describe('editorLine', () => {
  it('maps one-based lines to zero-based and clamps into the cell', () => {
    expect(editorLine(1, 10)).toBe(0);
    expect(editorLine(4, 10)).toBe(3);
    expect(editorLine(40, 10)).toBe(9);
  });
  it('goes to the first line for missing or nonsense lines', () => {
    expect(editorLine(null, 10)).toBe(0);
    expect(editorLine(0, 10)).toBe(0);
    expect(editorLine(NaN, 10)).toBe(0);
    expect(editorLine(3, 0)).toBe(0);
  });
});

describe('saveProblem', () => {
  it('allows a saved, named notebook', () => {
    expect(saveProblem('nb/credit_risk.ipynb', false, 'export')).toBeNull();
    expect(saveProblem('Untitled.ipynb', false, 'lint')).toBeNull();
  });
  it('asks to save a notebook with unsaved changes', () => {
    expect(saveProblem('credit_risk.ipynb', true, 'lint')).toMatch(/save the notebook first/);
  });
  it('asks to name an untitled notebook before exporting it', () => {
    expect(saveProblem('Untitled1.ipynb', false, 'export')).toMatch(/untitled: save the notebook first/);
    expect(saveProblem('dir/Untitled.ipynb', false, 'export')).toMatch(/untitled/);
  });
  it('says when no notebook is open', () => {
    expect(saveProblem(null, false, 'lint')).toMatch(/No notebook is open/);
    expect(saveProblem('', false, 'lint')).toMatch(/No notebook is open/);
  });
});

describe('planSuggestions', () => {
  const cells = [
    { id: 'c0', tags: ['parameters'] },
    { id: 'c1', tags: [] },
    { id: 'c2', tags: ['mine', 'stage:old', 'nbval-skip'] },
    { id: 'c3', tags: ['skip'] }
  ];
  it('replaces nbpromote\'s own tags with the suggested ones and keeps everyone else\'s', () => {
    const plan = planSuggestions(cells, [
      { cell: 1, cell_id: 'c1', tags: ['stage:ingest'], reason: 'reads a CSV' },
      { cell: 2, cell_id: 'c2', tags: ['stage:train'] },
      { cell: 3, cell_id: 'c3', tags: ['skip'], changes: false }
    ]);
    expect(plan.map(p => p.index)).toEqual([1, 2]);
    expect(plan[0].after).toEqual(['stage:ingest']);
    expect(plan[1].before).toEqual(['mine', 'stage:old', 'nbval-skip']);
    expect(plan[1].after).toEqual(['mine', 'nbval-skip', 'stage:train']);
  });
  it('an empty suggestion removes nbpromote tags (the cell inherits the stage above)', () => {
    const plan = planSuggestions(cells, [{ cell: 2, cell_id: 'c2', tags: [] }]);
    expect(plan[0].after).toEqual(['mine', 'nbval-skip']);
  });
  it('locates cells by id even when the index moved', () => {
    const plan = planSuggestions(cells, [{ cell: 0, cell_id: 'c3', tags: ['stage:evaluate'] }]);
    expect(plan[0].index).toBe(3);
    expect(plan[0].after).toEqual(['stage:evaluate']);
  });
  it('ignores unknown cells, unchanged cells, malformed and invalid suggestions', () => {
    expect(
      planSuggestions(cells, [
        { cell: 9, cell_id: 'nope', tags: ['stage:x'] },
        { cell: 0, cell_id: 'c0', tags: ['parameters'] },
        { cell: 1, tags: ['stage:bad name'] },
        { cell: 1, tags: undefined as any }
      ])
    ).toEqual([]);
  });
  it('does not mutate the cells it reads', () => {
    const input = [{ id: 'a', tags: ['t', 'skip'] }];
    planSuggestions(input, [{ cell: 0, tags: ['stage:x'] }]);
    expect(input[0].tags).toEqual(['t', 'skip']);
  });
});

describe('isOwnedTag', () => {
  it('owns stage, Kale and special tags', () => {
    for (const tag of ['stage:a', 'block:a', 'step:a', 'prev:a', 'skip', 'parameters', 'pipeline-parameters', 'imports', 'functions']) {
      expect(isOwnedTag(tag)).toBe(true);
    }
  });
  it('does not own anybody else\'s tags', () => {
    for (const tag of ['injected-parameters', 'nbval-skip', 'mine', 'stages', '', 3]) {
      expect(isOwnedTag(tag)).toBe(false);
    }
  });
});

describe('provenanceSummary', () => {
  it('summarises seeds, data hashes, environment, git and the capture time', () => {
    const lines = provenanceSummary({
      seeds: { python: 42, numpy: 42 },
      data: { raw: { hash: 'xxh3_128:0123456789abcdef0123', kind: 'dataframe', shape: [1000, 12] } },
      environment: { python: '3.11.7', platform: 'Linux', packages: { a: '1', b: '2' }, lock_hash: 'sha256:ffffffffffff' },
      git: { commit: 'abcdef1234567890', dirty: true },
      created_at: '2026-11-22T02:00:00Z'
    });
    const map = Object.fromEntries(lines.map(l => [l.label, l.text]));
    expect(map['Seeds']).toBe('python=42, numpy=42');
    expect(map['Data raw']).toBe('xxh3_128:01234567… 1000×12');
    expect(map['Environment']).toBe('Python 3.11.7, Linux, 2 packages, lock sha256:ffffffff…');
    expect(map['Git']).toBe('abcdef1234 (uncommitted changes)');
    expect(map['Last capture']).toBe('2026-11-22T02:00:00Z');
  });
  it('reads the capture manifest\'s seeds section, git reason and execution log', () => {
    const map = Object.fromEntries(
      provenanceSummary({
        seeds: { seed: 42, libraries: ['random', 'numpy'], unseeded_cells: [{ cell_id: 'x' }] },
        data: {},
        git: { commit: null, reason: '/tmp is not inside a git repository' },
        execution: [{}, {}]
      }).map(l => [l.label, l.text])
    );
    expect(map['Seeds']).toBe('42 (random, numpy); 1 unseeded cell');
    expect(map['Git']).toBe('not recorded: /tmp is not inside a git repository');
    expect(map['Execution']).toBe('2 cell runs recorded');
    const unseeded = provenanceSummary({ seeds: { seed: null, libraries: [] } });
    expect(unseeded.find(l => l.label === 'Seeds')!.text).toBe('not set with %promote seed');
  });
  it('says what is missing', () => {
    const map = Object.fromEntries(provenanceSummary({ seeds: {}, data: {} }).map(l => [l.label, l.text]));
    expect(map['Seeds']).toBe('none recorded');
    expect(map['Data']).toBe('no data hashed');
    expect(map['Last capture']).toBe('unknown');
    expect(provenanceSummary(null)).toEqual([{ label: 'Provenance', text: 'none captured yet' }]);
  });
});

describe('shortHash', () => {
  it('keeps the algorithm and shortens the digest', () => {
    expect(shortHash('sha256:abcdef0123456789')).toBe('sha256:abcdef01…');
    expect(shortHash('abc')).toBe('abc');
    expect(shortHash(undefined)).toBe('');
  });
});

describe('statusProblem', () => {
  it('names a missing server extension and the fix', () => {
    expect(statusProblem(404)).toMatch(/does not have the nbpromote server extension.*pip install nbpromote/);
  });
  it('distinguishes a refused request and an unreachable server', () => {
    expect(statusProblem(403)).toMatch(/not authenticated/);
    expect(statusProblem(null)).toMatch(/cannot be reached/);
    expect(statusProblem(0)).toMatch(/cannot be reached/);
  });
});
