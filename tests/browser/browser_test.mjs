// The real-browser acceptance test of the nbpromote JupyterLab extension.
//
// Starts JupyterLab on 127.0.0.1 (token auth, --allow-root) over a temporary copy of notebooks/,
// drives Debian's Chromium (never a downloaded browser) with playwright-core, and checks what a
// user does: tag a cell with the toolbar's stage selector, save, see the tag in the file on disk,
// lint from the Promotion panel, see the planted leakage findings, click one to reach its cell and
// line, export (refused with the lint errors shown and the notebook untouched, then allowed) and
// see the package path. A notebook running `%promote drift ref cur` on the credit data shows the
// ipywidgets drift-preview panel: its table, feature selector (histogram) and threshold sliders
// are checked in the page. A second server without the server extension checks the panel says so.
// Screenshots go to artifacts/screenshots/. The last line is "N passed, N failed".
//
// Usage: node tests/browser/browser_test.mjs   (env: JUPYTER, CHROMIUM, ARTIFACTS, KEEP_TMP=1)

import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { checkModelCardGraph } from './model_card.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const require = createRequire(path.join(repo, 'labextension', 'package.json'));
const { chromium } = require('playwright-core');

const JUPYTER = process.env.JUPYTER || path.join(repo, '.venv', 'bin', 'jupyter');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = process.env.ARTIFACTS || path.join(repo, 'artifacts', 'screenshots');
const NOTEBOOK = 'credit_risk_leaky.ipynb';
const TAGGED_CELL_ID = 'evaluate'; // its stage:evaluate tag is removed from the copy, then set in the UI
const DRIFT_NOTEBOOK = 'drift_preview.ipynb'; // written into the temp root: %promote drift ref cur
const STAGES_NOTEBOOK = 'stages_demo.ipynb'; // written into the temp root: skip + stage, a late cell
const TIMEOUT = 60_000;
const started = Date.now();

let passed = 0;
let failed = 0;
let currentPage = null;
const failures = [];

function log(message) {
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  console.log(`[${seconds}s] ${message}`);
}

/** Run one named check; a failure is counted and reported, and the run goes on. */
async function check(name, body) {
  try {
    await body();
    passed += 1;
    log(`PASS ${name}`);
    return true;
  } catch (error) {
    failed += 1;
    failures.push(name);
    if (currentPage) {
      const file = path.join(ARTIFACTS, `failed-${failed}.png`);
      await currentPage.screenshot({ path: file }).catch(() => {});
      log(`  screenshot of the failure: ${file}`);
    }
    log(`FAIL ${name}: ${error && error.message ? error.message.split('\n')[0] : error}`);
    return false;
  }
}

function assert(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function copyTree(source, target) {
  fs.mkdirSync(target, { recursive: true });
  for (const entry of fs.readdirSync(source, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === '__pycache__') {
      continue;
    }
    const from = path.join(source, entry.name);
    const to = path.join(target, entry.name);
    if (entry.isDirectory()) {
      copyTree(from, to);
    } else {
      fs.copyFileSync(from, to);
    }
  }
}

/** The notebook on disk. Jupyter's save writes the file in place, so a read can catch it half
 * written: retry briefly on a parse error. */
function readNotebook(file) {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      if (Date.now() > deadline) {
        throw error;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
}
const sha256 = file => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Every server started, so none outlives the test whatever fails. */
const children = [];

function killAll() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
process.on('exit', killAll);
for (const name of ['SIGINT', 'SIGTERM']) {
  process.on(name, () => process.exit(130));
}

/** Start JupyterLab in its own process group (so the whole group is ours to stop). */
async function startLab(root, home, extraArgs = [], fixed = {}) {
  const port = fixed.port ?? (await freePort());
  const token = fixed.token ?? randomBytes(16).toString('hex');
  const env = {
    ...process.env,
    JUPYTER_CONFIG_DIR: path.join(home, 'config'),
    JUPYTER_RUNTIME_DIR: path.join(home, 'runtime'),
    JUPYTERLAB_SETTINGS_DIR: path.join(home, 'settings'),
    JUPYTERLAB_WORKSPACES_DIR: path.join(home, 'workspaces'),
    // The notebook's own cells may write beside it; keep any nbpromote state in the temp root.
    NBPROMOTE_HOME: path.join(root, '.nbpromote')
  };
  // No news toast over the screenshots; a fixed panel setting so the test does not depend on
  // whatever the developer configured.
  const notification = path.join(env.JUPYTERLAB_SETTINGS_DIR, '@jupyterlab', 'apputils-extension');
  fs.mkdirSync(notification, { recursive: true });
  fs.writeFileSync(
    path.join(notification, 'notification.jupyterlab-settings'),
    JSON.stringify({ fetchNews: 'false', checkForUpdates: false })
  );
  const own = path.join(env.JUPYTERLAB_SETTINGS_DIR, 'nbpromote');
  fs.mkdirSync(own, { recursive: true });
  fs.writeFileSync(
    path.join(own, 'tagging.jupyterlab-settings'),
    JSON.stringify({ vocabulary: ['ingest', 'features', 'train', 'evaluate', 'report'] })
  );
  fs.writeFileSync(
    path.join(own, 'panel.jupyterlab-settings'),
    JSON.stringify({ liveLint: true, severityThreshold: 'info' })
  );
  const args = [
    'lab',
    '--no-browser',
    '--allow-root',
    '--ServerApp.ip=127.0.0.1',
    `--ServerApp.port=${port}`,
    '--ServerApp.port_retries=0',
    `--ServerApp.root_dir=${root}`,
    `--IdentityProvider.token=${token}`,
    '--LabApp.news_url=',
    ...extraArgs
  ];
  const logFile = path.join(home, `jupyter-${port}.log`);
  const out = fs.openSync(logFile, 'w');
  const child = spawn(JUPYTER, args, { env, detached: true, stdio: ['ignore', out, out] });
  children.push(child);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`jupyter lab exited (${child.exitCode}); see ${logFile}:\n${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
    }
    try {
      const response = await fetch(`${base}/api/status`, { headers: { Authorization: `token ${token}` } });
      if (response.ok) {
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(`jupyter lab did not answer within ${TIMEOUT / 1000}s; see ${logFile}`);
    }
    await new Promise(resolve => setTimeout(resolve, 250));
  }
  return {
    base,
    port,
    token,
    logFile,
    /** SIGTERM the server's process group; SIGKILL it if it has not exited within 10 s (a server
     * stopped while a kernel is starting can hang in "Shutting down extensions"). */
    async stop() {
      const signal = name => {
        try {
          process.kill(-child.pid, name);
        } catch {
          // already gone
        }
      };
      signal('SIGTERM');
      const deadline = Date.now() + 10_000;
      while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) {
        await new Promise(resolve => setTimeout(resolve, 100));
      }
      signal('SIGKILL');
    }
  };
}

async function openNotebook(page, lab, name, { kernel = true } = {}) {
  await page.goto(`${lab.base}/lab/tree/${name}?token=${lab.token}&reset`);
  await page.waitForSelector('.jp-NotebookPanel .jp-Notebook .jp-Cell', { timeout: TIMEOUT });
  await page.waitForSelector('.jp-NotebookPanel .nbp-stage-select', { timeout: TIMEOUT });
  if (kernel) {
    // Once the kernel is up, JupyterLab writes its metadata.language_info into the notebook, which
    // turns it dirty a moment later (a file that lacks language_info.version, as ours do). Let that
    // happen and save, so the checks below start from a clean notebook.
    await page.waitForSelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status="idle"]', {
      timeout: TIMEOUT
    });
    await page
      .waitForSelector('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty', { timeout: 4000 })
      .catch(() => {});
    await save(page);
  }
}

async function openPanel(page) {
  const tab = page.locator('.jp-SideBar.jp-mod-right .lm-TabBar-tab[data-id="nbpromote-panel"]');
  if (!(await page.locator('#nbpromote-panel').isVisible())) {
    await tab.click();
  }
  await page.waitForSelector('#nbpromote-panel .nbp-lint-button', { state: 'visible', timeout: TIMEOUT });
}

/** Index of the cell with `id` in the open notebook's DOM, via the file's cell order. */
function cellIndex(nbFile, id) {
  return readNotebook(nbFile).cells.findIndex(cell => cell.id === id);
}

async function activeCellIndex(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')].findIndex(
      node => node.classList.contains('jp-mod-active')
    )
  );
}

async function save(page) {
  const dirty = '.jp-NotebookPanel .jp-mod-dirty, .lm-TabBar-tab.jp-mod-dirty';
  // A metadata change marks the notebook dirty a moment later: give it that moment.
  await page.waitForSelector(dirty, { timeout: 1500 }).catch(() => {});
  if (!(await page.locator(dirty).count())) {
    return;
  }
  // The toolbar's save button, not Ctrl+S: a key press goes wherever the focus is (the stage
  // <select>, the panel), a click always reaches the notebook's save command.
  await page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar [data-command="docmanager:save"]').first().click();
  await page.waitForFunction(
    () => !document.querySelector('.jp-NotebookPanel .jp-mod-dirty, .lm-TabBar-tab.jp-mod-dirty'),
    null,
    { timeout: TIMEOUT }
  );
}

/** What the drift-preview widget (the first ipywidgets VBox in the open notebook's outputs) shows:
 * the features table (column → status badge), the verdict line, the title of the selected
 * feature's histogram, and the slider readouts by label. Null until the widget has rendered. */
async function driftWidgetState(page) {
  return page.evaluate(() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output .widget-vbox');
    const table = panel?.querySelector('.widget-html-content table');
    const feature = panel?.querySelector('.widget-vbox'); // the selector and its histogram
    if (!table || !feature || !feature.querySelector('.widget-dropdown select')) {
      return null;
    }
    const rows = [...table.querySelectorAll('tr')]
      .filter(tr => tr.cells.length > 1 && tr.cells[0].tagName === 'TD')
      .map(tr => ({ column: tr.cells[0].textContent.trim(), status: tr.cells[1].textContent.trim() }));
    const sliders = {};
    for (const slider of panel.querySelectorAll('.widget-slider')) {
      const label = slider.querySelector('.widget-label')?.textContent.trim();
      sliders[label] = slider.querySelector('.widget-readout')?.textContent.trim();
    }
    return {
      rows,
      act: rows.filter(row => row.status === 'act').map(row => row.column),
      verdict: panel.querySelector('.widget-html-content')?.textContent.trim() ?? '',
      selected: feature.querySelector('.widget-dropdown select').value,
      title: feature.querySelector('.widget-html-content b')?.textContent.trim() ?? '',
      histogram: Boolean(feature.querySelector('.widget-html-content svg rect')),
      sliders
    };
  });
}

/** Poll driftWidgetState until `ok(state)` holds; the last state is in the timeout's message. */
async function waitForDriftWidget(page, ok, what, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  let state = null;
  for (;;) {
    state = await driftWidgetState(page);
    if (state && ok(state)) {
      return state;
    }
    if (Date.now() > deadline) {
      const shown = state ? JSON.stringify({ ...state, rows: state.rows.slice(0, 6) }) : 'no widget';
      throw new Error(`drift widget: ${what} not reached within ${timeout / 1000}s; shows ${shown.slice(0, 400)}`);
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nbpromote-browser-'));
  const root = path.join(tmp, 'root');
  const home = path.join(tmp, 'home');
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  copyTree(path.join(repo, 'notebooks'), root);
  const nbFile = path.join(root, NOTEBOOK);
  // Untag one cell in the copy, so the test can tag it through the UI.
  const nb = readNotebook(nbFile);
  const target = nb.cells.find(cell => cell.id === TAGGED_CELL_ID);
  assert(target, `${NOTEBOOK} has no cell with id "${TAGGED_CELL_ID}"`);
  target.metadata.tags = (target.metadata.tags || []).filter(tag => !tag.startsWith('stage:'));
  fs.writeFileSync(nbFile, JSON.stringify(nb, null, 1) + '\n');
  const targetIndex = cellIndex(nbFile, TAGGED_CELL_ID);
  // An untagged copy of the clean notebook, for "Suggest tags".
  const untagged = readNotebook(path.join(root, 'credit_risk.ipynb'));
  for (const cell of untagged.cells) {
    delete cell.metadata.tags;
  }
  const untaggedFile = path.join(root, 'credit_risk_untagged.ipynb');
  fs.writeFileSync(untaggedFile, JSON.stringify(untagged, null, 1) + '\n');
  // A small notebook that shows the ipywidgets drift-preview panel for the drifted credit batch.
  const code = (id, source) => ({ cell_type: 'code', id, metadata: {}, execution_count: null, outputs: [], source });
  const driftNotebook = {
    cells: [
      code('load', '%load_ext nbpromote'),
      code('read', "import pandas as pd\nref = pd.read_csv('data/credit.csv')\ncur = pd.read_csv('data/credit_drifted.csv')"),
      code('drift', '%promote drift ref cur')
    ],
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' },
      language_info: { name: 'python' }
    },
    nbformat: 4,
    nbformat_minor: 5
  };
  fs.writeFileSync(path.join(root, DRIFT_NOTEBOOK), JSON.stringify(driftNotebook, null, 1) + '\n');
  // A small tagged notebook: a skip cell that also carries a stage tag, and a cell appended after
  // the last capture (its sidecar manifest records runs of the first three cells only).
  const tagged = (id, source, tags) => ({ ...code(id, source), metadata: tags ? { tags } : {} });
  const stagesNotebook = {
    cells: [
      tagged('ing', 'a = [1, 2, 3]', ['stage:ingest']),
      tagged('trn', 'b = sum(a)', ['stage:train']),
      tagged('scr', 'c = 3', ['skip', 'stage:train']),
      tagged('new1', 'd = b * 2', null)
    ],
    metadata: driftNotebook.metadata,
    nbformat: 4,
    nbformat_minor: 5
  };
  fs.writeFileSync(path.join(root, STAGES_NOTEBOOK), JSON.stringify(stagesNotebook, null, 1) + '\n');
  const python = path.join(path.dirname(JUPYTER), 'python');
  const made = spawnSync(python, ['-c', [
    'import sys, time',
    'from nbpromote.capture import CaptureSession, save_manifest',
    's = CaptureSession()',
    's.execution = [(i, n + 1, time.time(), 0.01, True) for n, i in enumerate(["ing", "trn", "scr"])]',
    'save_manifest(s.to_manifest(notebook=sys.argv[1]), sys.argv[1], into_notebook=False)'
  ].join('\n'), path.join(root, STAGES_NOTEBOOK)], { encoding: 'utf8' });
  assert(made.status === 0, `could not write the demo manifest: ${made.stderr}`);

  log(`root ${root}`);
  const lab = await startLab(root, home);
  log(`JupyterLab at ${lab.base} (log ${lab.logFile})`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage'
    ]
  });
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  currentPage = page;
  const consoleErrors = [];
  const notFound = [];
  page.on('response', response => {
    if (response.status() === 404 && /\/nbpromote\//.test(response.url())) {
      notFound.push(response.url());
    }
  });
  page.on('pageerror', error => consoleErrors.push(String(error)));
  page.on('console', message => {
    if (message.type() === 'error' && /nbpromote/i.test(message.text())) {
      consoleErrors.push(message.text());
    }
  });

  try {
    await check('server extension answers GET /nbpromote/status with the token', async () => {
      const response = await fetch(`${lab.base}/nbpromote/status`, {
        headers: { Authorization: `token ${lab.token}` }
      });
      assert(response.ok, `status ${response.status}`);
      const body = await response.json();
      assert(body.version && body.parts, `unexpected body ${JSON.stringify(body)}`);
      log(`  core parts: ${JSON.stringify(body.parts)}`);
    });

    await check('GET /nbpromote/status without the token is refused', async () => {
      const response = await fetch(`${lab.base}/nbpromote/status`);
      assert(response.status === 403, `expected 403, got ${response.status}`);
    });

    await check('the notebook opens with the stage selector in its toolbar', async () => {
      await openNotebook(page, lab, NOTEBOOK);
    });

    await check('the stage selector offers the vocabulary from the settings (with "report")', async () => {
      const options = await page.locator('.jp-NotebookPanel .nbp-stage-select option').evaluateAll(nodes =>
        nodes.map(node => node.value)
      );
      for (const stage of ['ingest', 'features', 'train', 'evaluate', 'report']) {
        assert(options.includes(stage), `options: ${options}`);
      }
    });

    await check('tagged cells show their stage marker', async () => {
      const cells = page.locator('.jp-NotebookPanel .jp-Notebook .jp-Cell');
      const ingest = cells.nth(cellIndex(nbFile, 'ingest'));
      await ingest.locator('.nbp-stage-label').waitFor();
      assert(await ingest.evaluate(node => node.classList.contains('nbp-staged')), 'ingest cell has no nbp-staged class');
      const label = await ingest.locator('.nbp-stage-label').textContent();
      assert(label === 'stage: ingest', `label is "${label}"`);
      const untagged = cells.nth(targetIndex);
      const inherited = await untagged.locator('.nbp-stage-label').textContent();
      assert(inherited === '↳ train', `the untagged evaluate cell should inherit train, shows "${inherited}"`);
    });

    await check('tag a cell with the toolbar selector: marker, then the tag on disk after saving', async () => {
      const cell = page.locator('.jp-NotebookPanel .jp-Notebook .jp-Cell').nth(targetIndex);
      await cell.locator('.jp-InputPrompt').click();
      await page.waitForFunction(i => {
        const cells = document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell');
        return cells[i] && cells[i].classList.contains('jp-mod-active');
      }, targetIndex);
      await page.locator('.jp-NotebookPanel .nbp-stage-select').selectOption('evaluate');
      await page.waitForFunction(
        i => document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell')[i]?.dataset.nbpStage === 'evaluate',
        targetIndex
      );
      const label = await cell.locator('.nbp-stage-label').textContent();
      assert(label === 'stage: evaluate', `label is "${label}"`);
      await save(page);
      const onDisk = readNotebook(nbFile).cells[targetIndex].metadata.tags || [];
      assert(onDisk.includes('stage:evaluate'), `tags on disk: ${JSON.stringify(onDisk)}`);
    });

    await check('the Promotion panel opens and lists the stages in DAG order', async () => {
      await openPanel(page);
      await page.waitForSelector('#nbpromote-panel .nbp-stage', { timeout: TIMEOUT });
      const names = await page.locator('#nbpromote-panel .nbp-stage').evaluateAll(nodes =>
        nodes.map(node => node.dataset.stage)
      );
      log(`  stages: ${names.join(' → ')}`);
      for (const stage of ['ingest', 'features', 'train', 'evaluate']) {
        assert(names.includes(stage), `stage ${stage} missing from ${names}`);
      }
      assert(names.indexOf('ingest') < names.indexOf('train'), 'ingest should come before train');
      assert(names.indexOf('train') < names.indexOf('evaluate'), 'train should come before evaluate');
      // A stage's cell numbers link to the cells.
      // The panel re-renders when the lint and provenance results arrive; a click that lands on a link
      // being replaced is lost, so click again (a fresh locator) until the cell is active.
      let active = false;
      for (let attempt = 0; attempt < 4 && !active; attempt++) {
        const link = page.locator('#nbpromote-panel .nbp-stage[data-stage="ingest"] .nbp-cell-link').first();
        const wanted = Number(await link.getAttribute('data-cell'));
        await link.click();
        active = await page.waitForFunction(
          i => document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell')[i]?.classList.contains('jp-mod-active'),
          wanted, { timeout: 15000 }
        ).then(() => true, () => false);
      }
      assert(active, 'clicking the ingest cell link never activated its cell');
      await page.keyboard.press('Escape');
    });

    await check('the stage graph is drawn above the stage list; clicking a box selects its first cell', async () => {
      const headers = { Authorization: `token ${lab.token}`, 'Content-Type': 'application/json' };
      const plan = await (await fetch(`${lab.base}/nbpromote/stages`, { method: 'POST', headers, body: JSON.stringify({ path: NOTEBOOK }) })).json();
      if (plan.graph_svg === null) {
        log('  (this build has no stage-graph renderer: nbpromote.pipeline.render_stage_graph_svg)');
        assert(!(await page.locator('#nbpromote-panel .nbp-graph-box').count()), 'a graph without a renderer');
        return;
      }
      const graph = page.locator('#nbpromote-panel .nbp-graph-box');
      await graph.waitFor({ timeout: TIMEOUT });
      const order = await page.evaluate(() => {
        const section = document.querySelector('#nbpromote-panel .nbp-stages');
        const kids = [...section.children];
        return [kids.findIndex(n => n.classList.contains('nbp-graph-box')), kids.findIndex(n => n.classList.contains('nbp-stage-list'))];
      });
      assert(order[0] >= 0 && order[0] < order[1], `graph not above the list: ${order}`);
      const titles = await graph.locator('[data-stage] title').count();
      assert(titles >= 4, `${titles} node titles`);
      assert(!(await graph.locator('script').count()), 'a script in the graph');
      await graph.screenshot({ path: path.join(ARTIFACTS, 'nbpromote-stage-graph-light.png') });
      const wanted = Number(await page.locator('#nbpromote-panel .nbp-stage[data-stage="train"] .nbp-cell-link').first().getAttribute('data-cell'));
      await graph.locator('[data-stage="train"]').first().click();
      await page.waitForFunction(
        i => document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell')[i]?.classList.contains('jp-mod-active'),
        wanted
      );
      await page.keyboard.press('Escape');
    });

    await check('with unsaved changes, Lint says "save the notebook first" and offers "Save and lint"', async () => {
      await page.locator('.jp-NotebookPanel .jp-Notebook .jp-Cell').nth(targetIndex).locator('.jp-InputPrompt').click();
      await page.locator('.jp-NotebookPanel .nbp-stage-select').selectOption('train');
      await page.locator('#nbpromote-panel .nbp-lint-button').click();
      const note = page.locator('#nbpromote-panel .nbp-findings .nbp-note-error');
      await note.waitFor();
      const text = await note.textContent();
      assert(/save the notebook first/.test(text), text);
      assert(readNotebook(nbFile).cells[targetIndex].metadata.tags.includes('stage:evaluate'), 'saved behind the user\'s back');
      await page.locator('.jp-NotebookPanel .nbp-stage-select').selectOption('evaluate');
      await page.locator('#nbpromote-panel .nbp-findings .nbp-note-action').click();
      await page.waitForSelector('#nbpromote-panel .nbp-finding');
      assert(readNotebook(nbFile).cells[targetIndex].metadata.tags.includes('stage:evaluate'), 'tag lost');
    });

    let findings = [];
    await check('Lint from the panel shows the planted leakage findings grouped by cell', async () => {
      await page.locator('#nbpromote-panel .nbp-lint-button').click();
      await page.waitForSelector('#nbpromote-panel .nbp-finding', { timeout: TIMEOUT });
      findings = await page.locator('#nbpromote-panel .nbp-finding').evaluateAll(nodes =>
        nodes.map(node => ({
          rule: node.dataset.rule,
          cell: node.dataset.cell,
          text: node.textContent
        }))
      );
      log(`  ${findings.length} findings: ${[...new Set(findings.map(f => f.rule))].join(', ')}`);
      const cells = new Set(findings.map(f => f.cell));
      const leaky = ['fillna', 'impute', 'target-feature', 'scale'].map(id => String(cellIndex(nbFile, id)));
      const hit = leaky.filter(index => cells.has(index));
      assert(hit.length >= 2, `expected findings on the leaky cells ${leaky}, got cells ${[...cells]}`);
    });

    await check('findings and stage cells are numbered as JupyterLab numbers cells (1-based)', async () => {
      const groups = await page.locator('#nbpromote-panel .nbp-finding-group').evaluateAll(nodes =>
        nodes.map(n => [n.querySelector('.nbp-finding-cell').textContent, n.querySelector('.nbp-finding')?.dataset.cell])
      );
      for (const [heading, index] of groups) {
        if (index !== '') {
          assert(heading === `Cell ${Number(index) + 1}`, `heading "${heading}" for cell index ${index}`);
        }
      }
      const links = await page.locator('#nbpromote-panel .nbp-cell-link').evaluateAll(nodes =>
        nodes.map(n => [n.textContent, n.dataset.cell])
      );
      assert(links.length && links.every(([text, index]) => text === String(Number(index) + 1)), JSON.stringify(links));
    });

    await check('after Lint the findings are scrolled into view', async () => {
      const visible = await page.evaluate(() => {
        const panel = document.querySelector('#nbpromote-panel').getBoundingClientRect();
        const section = document.querySelector('#nbpromote-panel .nbp-findings').getBoundingClientRect();
        return section.top >= panel.top - 1 && section.top < panel.bottom - 40;
      });
      assert(visible, 'the findings section is below the fold');
    });

    await check('clicking a finding activates its cell and puts the cursor on its line', async () => {
      const before = await activeCellIndex(page);
      const buttons = page.locator('#nbpromote-panel .nbp-finding');
      const count = await buttons.count();
      let chosen = -1;
      for (let i = 0; i < count; i++) {
        const cell = Number(await buttons.nth(i).getAttribute('data-cell'));
        if (cell !== before && Number.isInteger(cell)) {
          chosen = i;
          break;
        }
      }
      assert(chosen >= 0, 'no finding on another cell than the active one');
      const button = buttons.nth(chosen);
      const wanted = Number(await button.getAttribute('data-cell'));
      const lineText = await button.locator('.nbp-finding-line').textContent().catch(() => null);
      await button.click();
      await page.waitForFunction(
        i => document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell')[i]?.classList.contains('jp-mod-active'),
        wanted
      );
      const after = await activeCellIndex(page);
      assert(after === wanted && after !== before, `active cell ${before} → ${after}, wanted ${wanted}`);
      if (lineText) {
        const line = Number(lineText.replace(/\D+/g, ''));
        // The editor has focus, so the DOM selection is CodeMirror's cursor: find its line.
        const cursorLine = await page.evaluate(i => {
          const cell = document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell')[i];
          const lines = [...cell.querySelectorAll('.cm-content .cm-line')];
          const anchor = window.getSelection()?.anchorNode;
          const element = anchor && (anchor.nodeType === 1 ? anchor : anchor.parentElement);
          const line = element?.closest('.cm-line');
          return line ? lines.indexOf(line) : -1;
        }, wanted);
        assert(cursorLine === line - 1, `cursor on editor line ${cursorLine + 1}, finding says line ${line}`);
      }
      await page.screenshot({ path: path.join(ARTIFACTS, 'nbpromote-findings.png') });
    });

    await check('an export refused by lint errors shows the error and leaves the notebook untouched', async () => {
      await page.keyboard.press('Escape');
      await save(page);
      const before = sha256(nbFile);
      await page.locator('#nbpromote-panel .nbp-export-button').click();
      const note = page.locator('#nbpromote-panel .nbp-export .nbp-note-error');
      await note.waitFor({ timeout: TIMEOUT });
      const text = await note.textContent();
      log(`  export error: ${text.slice(0, 160)}`);
      assert(!/save the notebook first/.test(text), `refused before reaching the server: ${text}`);
      // Worded for the panel: the checkbox to tick, never a command-line option.
      assert(/tick "Export despite lint errors"/.test(text), `refusal: ${text}`);
      assert(!/--|force=True|`/.test(text), `command-line wording: ${text}`);
      const action = await page.locator('#nbpromote-panel .nbp-export .nbp-note-action').textContent();
      assert(action === 'Export despite lint errors', `offered: ${action}`);
      assert(sha256(nbFile) === before, 'the notebook file changed');
      assert(!(await page.locator('#nbpromote-panel .nbp-package-path').count()), 'a package path is shown');
    });

    let packageDir = null;
    await check('export despite findings from the panel shows the package path, which exists', async () => {
      await page.locator('#nbpromote-panel .nbp-allow input').check();
      await page.locator('#nbpromote-panel .nbp-force input').check();
      await save(page);
      await page.locator('#nbpromote-panel .nbp-export-button').click();
      const shown = page.locator('#nbpromote-panel .nbp-package-path');
      await shown.waitFor({ timeout: 2 * TIMEOUT });
      packageDir = (await shown.textContent()).trim();
      log(`  package: ${packageDir}`);
      assert(fs.existsSync(path.join(root, packageDir)), `${packageDir} does not exist under the root`);
      const lintNote = await page.locator('#nbpromote-panel .nbp-findings .nbp-note').first().textContent();
      assert(/Exported despite 4 lint error/.test(lintNote), lintNote);
      await page.screenshot({ path: path.join(ARTIFACTS, 'nbpromote-panel.png') });
    });

    await check("the model card's pipeline.svg renders as the card's image, light and dark", async () => {
      assert(packageDir, 'no package was exported');
      const graph = await checkModelCardGraph({ context, base: lab.base, token: lab.token, root, packageDir, artifacts: ARTIFACTS });
      log(`  model card graph: ${JSON.stringify(graph)}`);
    });

    await check('the override checkboxes apply to one export: they are clear again afterwards', async () => {
      for (const box of ['.nbp-allow input', '.nbp-force input']) {
        assert(!(await page.locator(`#nbpromote-panel ${box}`).isChecked()), `${box} is still ticked`);
      }
    });

    await check('a plain Export over an existing package is refused, worded for the panel, with a one-time override', async () => {
      await page.locator('#nbpromote-panel .nbp-export-button').click();
      const note = page.locator('#nbpromote-panel .nbp-export .nbp-note-error');
      await note.waitFor({ timeout: TIMEOUT });
      const text = await note.textContent();
      log(`  refusal: ${text.slice(0, 160)}`);
      assert(/already holds an export of this notebook\. Tick "Overwrite an existing package"/.test(text), text);
      assert(!/--force|force=True/.test(text), text);
      assert(!(await page.locator('#nbpromote-panel .nbp-package-path').count()), 'a stale package path is shown');
      // "Exported despite …" belonged to the previous export: it must not stay.
      const stale = await page.locator('#nbpromote-panel .nbp-findings').textContent();
      assert(!/Exported despite/.test(stale), `stale export note: ${stale.slice(0, 120)}`);
      await page.locator('#nbpromote-panel .nbp-export .nbp-note-action', { hasText: 'Overwrite and export' }).click();
      // Still refused (lint errors), now offering that override: nothing was overwritten silently.
      await page.locator('#nbpromote-panel .nbp-export .nbp-note-action', { hasText: 'Export despite lint errors' }).waitFor();
      assert(!(await page.locator('#nbpromote-panel .nbp-force input').isChecked()), 'force stayed ticked');
    });

    await check('the package path opens in the file browser', async () => {
      await page.locator('#nbpromote-panel .nbp-allow input').check();
      await page.locator('#nbpromote-panel .nbp-force input').check();
      await page.locator('#nbpromote-panel .nbp-export-button').click();
      const link = page.locator('#nbpromote-panel .nbp-package-path');
      await link.waitFor({ timeout: 2 * TIMEOUT });
      const dir = (await link.textContent()).trim();
      await link.click();
      await page.waitForFunction(
        name => [...document.querySelectorAll('.jp-FileBrowser .jp-BreadCrumbs-item')].some(n => n.textContent.trim() === name),
        dir.split('/').pop(),
        { timeout: TIMEOUT }
      );
      await openPanel(page);
    });

    await check('the panel shows the provenance section', async () => {
      await page.locator('#nbpromote-panel .nbp-provenance').waitFor();
      const text = await page.locator('#nbpromote-panel .nbp-provenance').textContent();
      assert(/Provenance/.test(text), text);
    });

    await check('a custom stage name goes through a dialog; an invalid one is refused', async () => {
      const cell = page.locator('.jp-NotebookPanel .jp-Notebook .jp-Cell').nth(targetIndex);
      await cell.locator('.jp-InputPrompt').click();
      await page.locator('.jp-NotebookPanel .nbp-stage-select').selectOption(' custom');
      await page.locator('.jp-Dialog input').fill('bad name');
      await page.locator('.jp-Dialog .jp-mod-accept').click();
      // The dialog stays up with the reason and the name as typed.
      await page.locator('.jp-Dialog', { hasText: 'not a valid stage name' }).waitFor();
      const kept = await page.locator('.jp-Dialog input').inputValue();
      assert(kept === 'bad name', `the dialog lost the typed name: "${kept}"`);
      await page.locator('.jp-Dialog .jp-mod-reject').click();
      await page.locator('.jp-Dialog').waitFor({ state: 'detached' });
      let stage = await cell.evaluate(node => node.dataset.nbpStage);
      assert(stage === 'evaluate', `an invalid name changed the stage to ${stage}`);
      await page.locator('.jp-NotebookPanel .nbp-stage-select').selectOption(' custom');
      await page.locator('.jp-Dialog input').fill('report_card');
      await page.locator('.jp-Dialog .jp-mod-accept').click();
      await page.waitForFunction(
        i => document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell')[i]?.dataset.nbpStage === 'report_card',
        targetIndex
      );
      const label = await cell.locator('.nbp-stage-label').textContent();
      assert(label === 'stage: report_card', label);
      // Revert without saving, so the file keeps the stage the earlier checks wrote.
      await page.locator('.jp-NotebookPanel .nbp-stage-select').selectOption('evaluate');
      await save(page);
    });

    await check('with the kernel shut down the panel says so, and Lint still works', async () => {
      const headers = { Authorization: `token ${lab.token}` };
      const sessions = await (await fetch(`${lab.base}/api/sessions`, { headers })).json();
      const session = sessions.find(s => s.path.endsWith(NOTEBOOK));
      assert(session && session.kernel, 'no kernel session for the notebook');
      const response = await fetch(`${lab.base}/api/kernels/${session.kernel.id}`, { method: 'DELETE', headers });
      assert(response.status === 204, `DELETE kernel: ${response.status}`);
      const note = page.locator('#nbpromote-panel .nbp-kernel-dead');
      await note.waitFor({ timeout: TIMEOUT });
      log(`  kernel note: ${(await note.textContent()).slice(0, 80)}`);
      await save(page);
      await page.locator('#nbpromote-panel .nbp-lint-button').click();
      await page.waitForFunction(() => {
        const button = document.querySelector('#nbpromote-panel .nbp-lint-button');
        return button && !button.disabled && document.querySelector('#nbpromote-panel .nbp-finding');
      });
      const note2 = await page.locator('#nbpromote-panel .nbp-findings .nbp-note').textContent();
      assert(/findings in/.test(note2), note2);
      await page.screenshot({ path: path.join(ARTIFACTS, 'nbpromote-kernel-dead.png') });
      if (await page.locator('.jp-Dialog').count()) {
        await page.keyboard.press('Escape');
      }
    });

    await check('Suggest tags on an untagged notebook tags its cells for review (file unchanged until saved)', async () => {
      await openNotebook(page, lab, 'credit_risk_untagged.ipynb');
      await openPanel(page);
      const before = sha256(untaggedFile);
      assert(!(await page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.nbp-staged').count()), 'staged before suggesting');
      await page.locator('#nbpromote-panel .nbp-suggest-button').click();
      await page.locator('#nbpromote-panel .nbp-suggestions .nbp-note').waitFor();
      const note = await page.locator('#nbpromote-panel .nbp-suggestions .nbp-note').textContent();
      assert(/Applied \d+ suggested tag change/.test(note), note);
      await page.waitForSelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.nbp-staged');
      const stages = await page
        .locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.nbp-stage-own')
        .evaluateAll(nodes => nodes.map(node => node.dataset.nbpStage));
      log(`  suggested stages: ${stages.join(', ')}`);
      assert(stages.length >= 2, `only ${stages.length} stage cells`);
      assert(await page.locator('#nbpromote-panel .nbp-suggestion').count(), 'no suggestion rows');
      assert(sha256(untaggedFile) === before, 'the file changed before the user saved');
      assert(!/undo/i.test(note), `the note promises undo: ${note}`);
      // Rows name cells as JupyterLab's status bar does (1-based).
      const row = await page.locator('#nbpromote-panel .nbp-suggestion-tag').first().textContent();
      assert(/^Cell [1-9]\d*:/.test(row), row);
      await page.screenshot({ path: path.join(ARTIFACTS, 'nbpromote-suggested-tags.png') });
    });

    await check('"Revert suggestions" puts back the previous tags exactly', async () => {
      const tagsNow = () =>
        page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell').evaluateAll(nodes => nodes.map(n => n.dataset.nbpStage ?? null));
      await page.locator('#nbpromote-panel .nbp-revert-button').click();
      await page.waitForFunction(
        () => !document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.nbp-staged')
      );
      const stages = await tagsNow();
      assert(stages.every(stage => stage === null), `markers left: ${stages}`);
      const note = await page.locator('#nbpromote-panel .nbp-suggestions .nbp-note').textContent();
      assert(/Restored the previous tags of \d+ cell/.test(note), note);
      // Saved, the file is byte-for-byte what it was: no tag left behind, no source touched.
      const original = readNotebook(untaggedFile);
      await save(page);
      const after = readNotebook(untaggedFile);
      assert(
        JSON.stringify(after.cells.map(c => [c.source, c.metadata.tags ?? null])) ===
          JSON.stringify(original.cells.map(c => [c.source, c.metadata.tags ?? null])),
        'the cells differ after revert and save'
      );
      await page.screenshot({ path: path.join(ARTIFACTS, 'nbpromote-suggestions-reverted.png') });
    });

    const driftShown = await check('%promote drift renders the ipywidgets drift-preview panel: features table with status badges', async () => {
      await openNotebook(page, lab, DRIFT_NOTEBOOK);
      // Run ▸ Run All Cells from the menu bar.
      await page.locator('.lm-MenuBar-item', { hasText: /^Run$/ }).click();
      await page
        .locator('.lm-Menu-item')
        .filter({ has: page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }) })
        .click();
      const state = await waitForDriftWidget(
        page,
        s => s.rows.length >= 10 && s.histogram,
        'the features table and histogram',
        2 * TIMEOUT
      );
      log(`  ${state.rows.length} features; act: ${state.act.join(', ')}; verdict: ${state.verdict.slice(0, 60)}`);
      assert(
        JSON.stringify([...state.act].sort()) === JSON.stringify(['debt_to_income', 'loan_purpose']),
        `features at "act": ${state.act.join(', ')}`
      );
      assert(state.rows.every(row => ['stable', 'watch', 'act'].includes(row.status)), `statuses: ${JSON.stringify(state.rows)}`);
      assert(/^Retrain/.test(state.verdict), `verdict: ${state.verdict}`);
      assert(state.selected === 'loan_purpose' && state.title === 'loan_purpose', `selected ${state.selected}, title ${state.title}`);
      assert(state.sliders['PSI act'] === '0.25', `sliders: ${JSON.stringify(state.sliders)}`);
      const errors = await page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').count();
      assert(!errors, 'a cell wrote to stderr');
    });

    await check('the drift widget\'s feature selector switches the histogram', async () => {
      assert(driftShown, 'the drift widget did not render');
      const select = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output .widget-dropdown select').first();
      await select.selectOption('region');
      const state = await waitForDriftWidget(page, s => s.title === 'region' && s.histogram, 'histogram title "region"');
      assert(state.selected === 'region', `selected ${state.selected}`);
    });

    await check('moving the drift widget\'s "PSI act" slider re-classifies the badges and the verdict', async () => {
      assert(driftShown, 'the drift widget did not render');
      const slider = page
        .locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output .widget-slider')
        .filter({ has: page.locator('.widget-label', { hasText: /^PSI act$/ }) });
      // noUiSlider's handle takes the keyboard: End moves it to the maximum (1.00).
      await slider.locator('.noUi-handle').focus();
      await page.keyboard.press('End');
      const state = await waitForDriftWidget(
        page,
        // The table and the verdict are two widgets updated one after the other: wait for both.
        s => s.sliders['PSI act'] === '1.00' && s.act.length === 0 && /^No retrain needed/.test(s.verdict),
        'no "act" badges and "No retrain needed" after PSI act → 1.00'
      );
      const status = Object.fromEntries(state.rows.map(row => [row.column, row.status]));
      assert(status.loan_purpose === 'watch' && status.debt_to_income === 'watch', JSON.stringify(status));
      assert(/^No retrain needed/.test(state.verdict), `verdict: ${state.verdict}`);
      assert(state.title === 'region', `the feature selection was lost: ${state.title}`);
      await page
        .locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output .widget-vbox')
        .first()
        .scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(ARTIFACTS, 'nbpromote-drift-widget.png') });
    });

    await check('a skip cell with a stage tag is marked skip (as export reads it); the cell below inherits across it', async () => {
      await openNotebook(page, lab, STAGES_NOTEBOOK, { kernel: false });
      const cells = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell');
      await cells.nth(2).locator('.nbp-stage-label').waitFor();
      const marks = await cells.evaluateAll(nodes =>
        nodes.map(n => [n.dataset.nbpStage ?? null, n.querySelector('.nbp-stage-label')?.textContent ?? null, n.classList.contains('nbp-staged')])
      );
      log(`  markers: ${JSON.stringify(marks)}`);
      assert(marks[2][0] === 'skip' && marks[2][1] === 'skip' && marks[2][2] === false, `skip cell: ${marks[2]}`);
      assert(marks[3][1] === '↳ train', `the new cell's inherited stage is not shown: ${marks[3]}`);
      const title = await cells.nth(3).locator('.nbp-stage-label').getAttribute('title');
      assert(/joins stage "train"/.test(title), title);
    });

    await check('the panel warns that a stage gained cells after its last capture', async () => {
      await openPanel(page);
      const warn = page.locator('#nbpromote-panel .nbp-uncaptured');
      await warn.waitFor({ timeout: TIMEOUT });
      const text = await warn.textContent();
      log(`  ${text}`);
      assert(/Stage "train" gained cell 4 after the last capture/.test(text), text);
    });

    await check('choosing a stage on a skip cell asks to drop skip; Cancel keeps the tags, OK drops skip', async () => {
      const cells = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell');
      await cells.nth(2).locator('.jp-InputPrompt').click();
      const select = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .nbp-stage-select');
      const shown = await select.evaluate(node => node.options[node.selectedIndex].textContent);
      assert(shown === 'Skipped (skip tag)', `selector shows "${shown}" on a skip cell`);
      await select.selectOption('evaluate');
      await page.locator('.jp-Dialog', { hasText: 'This cell is tagged skip' }).waitFor();
      await page.locator('.jp-Dialog .jp-mod-reject').click();
      await page.locator('.jp-Dialog').waitFor({ state: 'detached' });
      assert((await cells.nth(2).evaluate(n => n.dataset.nbpStage)) === 'skip', 'Cancel changed the cell');
      await select.selectOption('evaluate');
      await page.locator('.jp-Dialog .jp-mod-accept', { hasText: 'Drop skip and set stage' }).click();
      await page.waitForFunction(() => {
        const cell = document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell')[2];
        return cell?.dataset.nbpStage === 'evaluate';
      });
      const label = await cells.nth(2).locator('.nbp-stage-label').textContent();
      assert(label === 'stage: evaluate', label);
      await save(page);
      const tags = readNotebook(path.join(root, STAGES_NOTEBOOK)).cells[2].metadata.tags;
      assert(JSON.stringify(tags) === '["stage:evaluate"]', `tags on disk: ${JSON.stringify(tags)}`);
    });

    await check('the active cell\'s stage label does not cover the cell toolbar', async () => {
      const cell = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.jp-mod-active');
      const toolbar = cell.locator('.jp-cell-toolbar, .jp-cell-menu').first();
      if (!(await toolbar.count())) {
        log('  (no cell toolbar in this JupyterLab)');
        return;
      }
      const [a, b] = [await cell.locator('.nbp-stage-label').boundingBox(), await toolbar.boundingBox()];
      assert(a && b, 'no boxes');
      const overlap = !(a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y);
      assert(!overlap, `label ${JSON.stringify(a)} overlaps toolbar ${JSON.stringify(b)}`);
    });

    await check('after a rename the panel names the notebook by its new path', async () => {
      await page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-current').click({ button: 'right' });
      await page.locator('.lm-Menu-item', { hasText: /^Rename Notebook/ }).click();
      const input = page.locator('.jp-Dialog input');
      await input.fill('stages_renamed.ipynb');
      await page.locator('.jp-Dialog .jp-mod-accept').click();
      await page.waitForFunction(
        () => document.querySelector('#nbpromote-panel .nbp-notebook')?.textContent === 'stages_renamed.ipynb',
        null,
        { timeout: TIMEOUT }
      );
    });

    for (const theme of ['light', 'dark']) {
      await check(`every text in the panel meets WCAG AA (4.5:1) in the ${theme} theme`, async () => {
        if (theme === 'dark') {
          await page.locator('.lm-MenuBar-item', { hasText: /^Settings$/ }).click();
          await page.locator('.lm-Menu-item', { hasText: /^Theme$/ }).hover();
          await page.locator('.lm-Menu-item', { hasText: /^JupyterLab Dark$/ }).click();
          await page.waitForFunction(() => document.body.dataset.jpThemeLight === 'false', null, { timeout: TIMEOUT });
          await new Promise(resolve => setTimeout(resolve, 500));
        }
        await openNotebook(page, lab, NOTEBOOK, { kernel: false });
        await openPanel(page);
        await page.locator('#nbpromote-panel .nbp-lint-button').click();
        await page.waitForSelector('#nbpromote-panel .nbp-finding');
        // An info note and an error note on screen as well (the refusal of a plain export).
        await page.locator('#nbpromote-panel .nbp-export-button').click();
        await page.locator('#nbpromote-panel .nbp-export .nbp-note-error').waitFor();
        const low = await page.evaluate(() => {
          const parse = text => {
            const m = text.match(/rgba?\(([^)]+)\)/);
            if (!m) return null;
            const [r, g, b, a = 1] = m[1].split(',').map(Number);
            return { r, g, b, a };
          };
          const lum = ({ r, g, b }) => {
            const f = c => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
          };
          const background = node => {
            for (let n = node; n; n = n.parentElement) {
              const c = parse(getComputedStyle(n).backgroundColor);
              if (c && c.a > 0.5) return c;
            }
            return { r: 255, g: 255, b: 255, a: 1 };
          };
          const selectors = ['.nbp-note', '.nbp-empty', '.nbp-label', '.nbp-notebook', '.nbp-finding-message', '.nbp-finding-fix',
            '.nbp-finding-cell', '.nbp-option', '.nbp-button-label', '.nbp-stage-name', '.nbp-section-title', '.nbp-cell-link'];
          const out = [];
          for (const selector of selectors) {
            for (const node of document.querySelectorAll(`#nbpromote-panel ${selector}`)) {
              if (node.closest('button:disabled')) continue;
              const fg = parse(getComputedStyle(node).color);
              const bg = background(node);
              const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
              const ratio = (hi + 0.05) / (lo + 0.05);
              out.push({ selector, ratio: Math.round(ratio * 100) / 100 });
            }
          }
          for (const node of document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .nbp-stage-label')) {
            const fg = parse(getComputedStyle(node).color);
            const bg = background(node);
            const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
            out.push({ selector: `stage label ${node.textContent}`, ratio: Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100 });
          }
          return out;
        });
        const worst = low.reduce((a, b) => (b.ratio < a.ratio ? b : a), { ratio: 99 });
        log(`  ${low.length} texts checked; lowest ${worst.ratio}:1 (${worst.selector})`);
        const failing = low.filter(item => item.ratio < 4.5);
        assert(low.length > 20, `only ${low.length} texts found`);
        assert(!failing.length, `below 4.5:1: ${JSON.stringify(failing.slice(0, 5))}`);
        await page.screenshot({ path: path.join(ARTIFACTS, `nbpromote-panel-${theme}.png`) });
        // The panel re-renders when results arrive: retry a screenshot of a replaced element.
        for (let attempt = 0; attempt < 3; attempt++) {
          const graph = page.locator('#nbpromote-panel .nbp-graph-box');
          if (!(await graph.count())) {
            break;
          }
          try {
            await graph.scrollIntoViewIfNeeded();
            await graph.screenshot({ path: path.join(ARTIFACTS, `nbpromote-stage-graph-${theme}.png`) });
            break;
          } catch {
            await new Promise(resolve => setTimeout(resolve, 500));
          }
        }
        if (theme === 'dark') {
          await page.locator('.lm-MenuBar-item', { hasText: /^Settings$/ }).click();
          await page.locator('.lm-Menu-item', { hasText: /^Theme$/ }).hover();
          await page.locator('.lm-Menu-item', { hasText: /^JupyterLab Light$/ }).click();
          await page.waitForFunction(() => document.body.dataset.jpThemeLight === 'true', null, { timeout: TIMEOUT });
        }
      });
    }

    await check('no 404 from the nbpromote endpoints (a notebook without a manifest is a 200)', async () => {
      assert(!notFound.length, notFound.join(' | '));
    });

    await check('no uncaught page errors from the extension', async () => {
      assert(consoleErrors.length === 0, consoleErrors.join(' | ').slice(0, 400));
    });

    await check('server down: one plain message with Retry; back: Retry clears it and Lint works', async () => {
      await lab.stop();
      // JupyterLab's own "Server Connection Error" dialog: close it, as a user would.
      const dialog = page.locator('.jp-Dialog', { hasText: 'Server Connection Error' });
      await dialog.waitFor({ timeout: 20_000 }).catch(() => {});
      if (await dialog.count()) {
        await dialog.locator('input[type="checkbox"]').check().catch(() => {});
        await dialog.locator('.jp-Dialog-footer button').last().click();
        await dialog.waitFor({ state: 'detached' });
      }
      await page.locator('#nbpromote-panel .nbp-lint-button').click();
      const problem = page.locator('#nbpromote-panel .nbp-server-problem');
      await problem.waitFor({ timeout: TIMEOUT });
      const text = await page.locator('#nbpromote-panel').textContent();
      assert(!/TypeError|Failed to fetch/.test(text), `raw error shown: ${text.slice(0, 200)}`);
      assert((await page.locator('#nbpromote-panel .nbp-server-problem').count()) === 1, 'more than one server message');
      assert((text.match(/cannot be reached/g) || []).length === 1, 'the message is repeated');
      assert(await page.locator('#nbpromote-panel .nbp-findings .nbp-stale-note').count(), 'old findings are not marked stale');
      await page.screenshot({ path: path.join(ARTIFACTS, 'nbpromote-server-down.png') });
      const again = await startLab(root, home, [], { port: lab.port, token: lab.token });
      Object.assign(lab, { stop: again.stop });
      await page.locator('#nbpromote-panel .nbp-retry').click();
      await problem.waitFor({ state: 'detached', timeout: TIMEOUT });
      await page.locator('#nbpromote-panel .nbp-lint-button').click();
      await page.waitForFunction(
        () => document.querySelector('#nbpromote-panel .nbp-finding') && !document.querySelector('#nbpromote-panel .nbp-stale-note'),
        null,
        { timeout: TIMEOUT }
      );
    });

  } finally {
    await page.screenshot({ path: path.join(ARTIFACTS, 'nbpromote-final.png') }).catch(() => {});
    await browser.close().catch(() => {});
    await lab.stop();
  }

  // A server without the nbpromote server extension: the panel must say so.
  const bare = await startLab(root, home, ['--ServerApp.jpserver_extensions=nbpromote=False']);
  const browser2 = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']
  });
  try {
    const page2 = await (await browser2.newContext({ viewport: { width: 1600, height: 1000 } })).newPage();
    page2.setDefaultTimeout(TIMEOUT);
    currentPage = page2;
    await check('without the server extension the panel says so and disables its buttons', async () => {
      await openNotebook(page2, bare, 'credit_risk.ipynb', { kernel: false });
      await openPanel(page2);
      const problem = page2.locator('#nbpromote-panel .nbp-server-problem');
      await problem.waitFor({ timeout: TIMEOUT });
      const text = await problem.textContent();
      assert(/server extension/.test(text), text);
      assert(await page2.locator('#nbpromote-panel .nbp-lint-button').isDisabled(), 'Lint is enabled');
      await page2.screenshot({ path: path.join(ARTIFACTS, 'nbpromote-no-server-extension.png') });
    });
  } finally {
    await browser2.close().catch(() => {});
    await bare.stop();
  }
  if (!process.env.KEEP_TMP) {
    fs.rmSync(tmp, { recursive: true, force: true });
  } else {
    log(`kept ${tmp}`);
  }
}

try {
  await main();
} catch (error) {
  failed += 1;
  failures.push('setup');
  log(`FAIL setup: ${error && error.stack ? error.stack : error}`);
}
if (failures.length) {
  log(`failed: ${failures.join('; ')}`);
}
log(`screenshots in ${ARTIFACTS}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
