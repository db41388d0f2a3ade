// The model card's stage graph in a real browser (used by browser_test.mjs).
//
// An exported package's README.md (its model card) links pipeline.svg as an image, the way GitHub
// shows it (GitHub strips inline SVG). This opens the linked file from the Jupyter server: on its
// own it must be a self-contained SVG (titles on the nodes, no script, nothing fetched from
// elsewhere), and as the card's <img> it must load and follow prefers-color-scheme: the light and
// dark renderings are screenshotted and must differ.

import fs from 'node:fs';
import path from 'node:path';

/**
 * Check the model card's graph of the package in `packageDir` (relative to the server root).
 * Returns { titles, bytes, width, height } of the SVG; throws with the reason otherwise.
 */
export async function checkModelCardGraph({ context, base, token, root, packageDir, artifacts }) {
  const card = fs.readFileSync(path.join(root, packageDir, 'README.md'), 'utf8');
  const link = /!\[([^\]]*)\]\(([^)\s]+\.svg)\)/.exec(card);
  if (!link) {
    throw new Error('the model card (README.md) links no SVG image');
  }
  const [, alt, href] = link;
  const file = path.join(root, packageDir, href);
  if (!fs.existsSync(file)) {
    throw new Error(`the model card links ${href}, which the package does not have`);
  }
  const url = `${base}/files/${packageDir.split('/').map(encodeURIComponent).join('/')}/${href}?token=${token}`;
  const page = await context.newPage();
  try {
    const response = await page.goto(url);
    if (!response || !response.ok()) {
      throw new Error(`GET ${href}: ${response ? response.status() : 'no response'}`);
    }
    const svg = await page.evaluate(() => {
      const root = document.documentElement;
      const external = [...document.querySelectorAll('[href], [src]')]
        .map(node => node.getAttribute('href') || node.getAttribute('src'))
        .filter(value => /^(https?:)?\/\//.test(value || ''));
      return {
        tag: root.tagName.toLowerCase(),
        titles: document.querySelectorAll('title').length,
        scripts: document.querySelectorAll('script').length,
        external,
        colorScheme: /prefers-color-scheme/.test(root.outerHTML),
      };
    });
    if (svg.tag !== 'svg') {
      throw new Error(`${href} opens as <${svg.tag}>, not an SVG document`);
    }
    if (svg.titles < 4 || svg.scripts || svg.external.length || !svg.colorScheme) {
      throw new Error(`${href}: ${JSON.stringify(svg)}`);
    }
    // The card's <img> in an HTML page of the server's own origin (Chromium refuses a loopback
    // image to an about:blank page); the page is served by the test, the image by Jupyter.
    const preview = `${base}/nbpromote-model-card-preview.html`;
    let background = '#ffffff';
    await page.route(preview, route => route.fulfill({
      contentType: 'text/html',
      body: `<html><body style="margin:16px;background:${background}"><img id="graph" alt="${alt.replace(/"/g, '&quot;')}" src="${url}"></body></html>`,
    }));
    const shots = [];
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      background = scheme === 'dark' ? '#0d1117' : '#ffffff';
      await page.goto(preview);
      const loaded = await page.waitForFunction(() => {
        const img = document.getElementById('graph');
        return img.complete && { width: img.naturalWidth, height: img.naturalHeight };
      }, null, { timeout: 30_000 });
      const size = await loaded.jsonValue();
      if (!size.width || !size.height) {
        throw new Error(`the model card's <img> of ${href} did not render (${JSON.stringify(size)})`);
      }
      shots.push(await page.locator('#graph').screenshot({ path: path.join(artifacts, `nbpromote-model-card-graph-${scheme}.png`) }));
      if (scheme === 'dark') {
        if (shots[0].equals(shots[1])) {
          throw new Error('the graph looks the same with prefers-color-scheme light and dark');
        }
        return { titles: svg.titles, bytes: fs.statSync(file).size, width: size.width, height: size.height };
      }
    }
  } finally {
    await page.close();
  }
  return null;
}
