// Browser tests of the lab in headless Chromium (the Debian package, driven by puppeteer-core):
// the page gets a WebGPU adapter; a small basin map computed in the page has the labels the
// CLI's CPU twin gives for the command line the page exports; the exported figure-file entry
// renders with `downhill render`; moving a slider recomputes the map; a click draws a path; the
// screenshot is not blank; without WebGPU the page says so and shows the precomputed figures.
// Also measures the frame time of a 512^2 basin map with 200 steps.
//
// Needs `web/build.sh` run first and the native `downhill` binary built
// ($CARGO_TARGET_DIR/release/downhill, or DOWNHILL_BIN). Exits non-zero on the first failure.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const web = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const root = path.dirname(web);
const dist = path.join(web, 'dist');
const target = process.env.CARGO_TARGET_DIR || path.join(root, 'target');
const downhill = process.env.DOWNHILL_BIN || path.join(target, 'release', 'downhill');
const chromium = process.env.CHROMIUM || '/usr/lib/chromium/chromium';
// Into dist/ (ignored by git), so a test run leaves the tree clean; web/screenshot.png is one, committed.
const screenshot = process.env.LAB_SCREENSHOT || path.join(web, 'dist', 'screenshot.png');
const WEBGPU = ['--no-sandbox', '--enable-unsafe-webgpu'];

let failed = 0;
async function test(name, body) {
  const t0 = Date.now();
  try {
    await body();
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${name}: ${e.stack || e}`);
  }
}
function assert(cond, what) {
  if (!cond) throw new Error(what);
}

// A static server for web/dist on a free port.
function serve() {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.png': 'image/png' };
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.join(dist, rel);
    if (!file.startsWith(dist) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

// The int32 array `name` of an uncompressed .npz (what the CLI writes), row-major.
function npzArray(file, name) {
  const buf = fs.readFileSync(file);
  const at = buf.indexOf(Buffer.from(`${name}.npy`));
  assert(at >= 0, `${file} holds no ${name}.npy`);
  const magic = buf.indexOf(Buffer.from('\x93NUMPY', 'latin1'), at);
  const headerLen = buf.readUInt16LE(magic + 8);
  const header = buf.toString('latin1', magic + 10, magic + 10 + headerLen);
  assert(header.includes("'<i4'"), `${name} is not int32: ${header}`);
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').filter((s) => s.trim()).map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const start = magic + 10 + headerLen;
  return Array.from({ length: n }, (_, i) => buf.readInt32LE(start + 4 * i));
}

// Runs a command line the page exported (its first word `downhill`) in `dir`, with extra flags.
function runExported(command, dir, extra) {
  const bin = path.dirname(downhill);
  return execFileSync('bash', ['-c', `${command} ${extra}`], {
    cwd: dir, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, NODEVICE_SELECT: '1' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function frames(page) {
  return Number(await page.evaluate(() => document.body.dataset.frames || 0));
}

// Waits for a full-resolution frame after `before` frames.
async function fullFrameAfter(page, before) {
  await page.waitForFunction(
    (n) => Number(document.body.dataset.frames || 0) > n && document.body.dataset.full === 'true',
    { timeout: 60000 }, before);
}

const server = await serve();
const base = `http://127.0.0.1:${server.address().port}/`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'downhill-lab-'));
const browser = await puppeteer.launch({ executablePath: chromium, headless: true, args: WEBGPU });
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1000 });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const recipe = 'kind=basins&landscape=bumpy&optimizer=gd:lr=0.1&steps=100&res=64';

  await test('the page loads, gets a WebGPU adapter and reads its recipe from the URL', async () => {
    await page.goto(`${base}#${recipe}`);
    await page.waitForFunction(() => ['ready', 'nogpu', 'error'].includes(document.body.dataset.state), { timeout: 30000 });
    const s = await page.evaluate(() => ({ state: document.body.dataset.state, adapter: document.body.dataset.adapter, status: document.getElementById('status').textContent }));
    assert(s.state === 'ready', `state ${s.state}: ${s.status}`);
    assert(s.adapter, 'no adapter name');
    console.log(`     adapter: ${s.adapter}`);
    await fullFrameAfter(page, 0);
    const r = await page.evaluate(() => window.downhillLab.recipe());
    assert(r.landscape === 'bumpy' && r.optimizer === 'gd:lr=0.1' && r.res === 64 && r.steps === 100, JSON.stringify(r));
  });

  await test('the page\'s basin map has the labels of the CLI\'s CPU run of its exported command', async () => {
    const labels = await page.evaluate(() => window.downhillLab.labels());
    const command = await page.evaluate(() => window.downhillLab.command());
    assert(command.startsWith('downhill basins '), command);
    runExported(command, tmp, '--backend cpu');
    const native = npzArray(path.join(tmp, 'lab.npz'), 'basin');
    // Attractors whose losses tie (symmetric minima) may be ordered differently: the page's
    // f64 sin is not the native libm's in the last place. Match them by where they are.
    const mine = await page.evaluate(() => window.downhillLab.attractors());
    const theirs = JSON.parse(fs.readFileSync(path.join(tmp, 'lab.json'), 'utf8')).attractors.map((a) => a.at);
    assert(mine.length === theirs.length, `${mine.length} attractors in the page, ${theirs.length} in the CLI`);
    const index = mine.map(([, [x, y]]) => {
      const d = theirs.map(([u, v]) => Math.hypot(u - x, v - y));
      return d.indexOf(Math.min(...d));
    });
    for (let i = 0; i < labels.length; i++) if (labels[i] >= 0) labels[i] = index[labels[i]];
    assert(native.length === labels.length && labels.length === 64 * 64, `${native.length} vs ${labels.length} labels`);
    const side = 64;
    let differ = 0, interior = 0;
    for (let i = 0; i < native.length; i++) {
      if (native[i] === labels[i]) continue;
      differ += 1;
      const [r, c] = [Math.floor(i / side), i % side];
      const around = [[r - 1, c], [r + 1, c], [r, c - 1], [r, c + 1]]
        .filter(([a, b]) => a >= 0 && b >= 0 && a < side && b < side)
        .map(([a, b]) => native[a * side + b]);
      if (around.every((l) => l === native[i])) interior += 1;
    }
    console.log(`     ${differ} of ${native.length} labels differ, ${interior} of them away from a boundary`);
    assert(interior === 0, `${interior} labels differ away from basin boundaries`);
    assert(differ <= native.length / 100, `${differ} labels differ`);
  });

  await test('the exported figure-file entry renders with `downhill render`', async () => {
    const toml = await page.evaluate(() => window.downhillLab.toml());
    fs.writeFileSync(path.join(tmp, 'lab.toml'), toml);
    runExported(`downhill render ${path.join(tmp, 'lab.toml')}`, tmp, `-o ${path.join(tmp, 'render')} --backend cpu`);
    assert(fs.existsSync(path.join(tmp, 'render', 'lab.png')), 'render wrote no lab.png');
  });

  await test('moving a slider recomputes the map and changes it', async () => {
    const before = await page.evaluate(() => window.downhillLab.labels().join(','));
    const n = await frames(page);
    await page.evaluate(() => {
      const s = document.getElementById('hp-lr');
      s.value = String(Math.log10(0.5));
      s.dispatchEvent(new Event('input'));
      s.dispatchEvent(new Event('change'));
    });
    await fullFrameAfter(page, n);
    const after = await page.evaluate(() => window.downhillLab.labels().join(','));
    const r = await page.evaluate(() => window.downhillLab.recipe());
    assert(/^gd:lr=0\.[45]\d*$/.test(r.optimizer), r.optimizer);
    assert(after !== before, 'the map did not change');
  });

  await test('a click on the map draws a path and its loss curve', async () => {
    const box = await (await page.$('#overlay')).boundingBox();
    await page.mouse.click(box.x + box.width * 0.3, box.y + box.height * 0.4);
    await page.waitForFunction(() => Number(document.body.dataset.paths || 0) >= 1, { timeout: 30000 });
    const points = await page.evaluate(() => Number(document.body.dataset.pathPoints));
    assert(points > 1, `${points} points`);
    const red = await page.evaluate(() => {
      const c = document.getElementById('path');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] > 180 && d[i + 1] < 80 && d[i + 2] < 80) n += 1;
      return n;
    });
    assert(red > 20, `only ${red} path pixels`);
  });

  await test('an expression landscape computes, and a bad one is refused by name', async () => {
    await page.goto('about:blank');
    await page.goto(`${base}#kind=basins&landscape=${encodeURIComponent('expr:x^4 + y^4 - x*y')}&optimizer=adam:lr=0.05&steps=100&res=64&domain=-2:2:-2:2`);
    await fullFrameAfter(page, 0);
    const command = await page.evaluate(() => window.downhillLab.command());
    assert(command.includes("--landscape 'expr:x^4 + y^4 - x*y'") && command.includes('--domain=-2:2:-2:2'), command);
    runExported(command, tmp, '--backend cpu');
    const n = await frames(page);
    const error = await page.evaluate(() => {
      const e = document.getElementById('expr');
      e.value = 'expr:x^2 + zz';
      e.dispatchEvent(new Event('input'));
      e.dispatchEvent(new Event('change'));
      return document.getElementById('error').textContent;
    });
    await new Promise((ok) => setTimeout(ok, 300));
    const err = error || await page.evaluate(() => document.getElementById('error').textContent);
    assert(/zz/.test(err), `error text: ${err}`);
    assert(await frames(page) === n, 'a bad expression drew a map');
  });

  await test('a stability map computes with its analytic boundary', async () => {
    await page.goto('about:blank');
    await page.goto(`${base}#kind=stability&optimizer=momentum:beta=0.5&steps=200&res=64`);
    await fullFrameAfter(page, 0);
    const meta = await page.evaluate(() => window.downhillLab.meta());
    assert(meta.formula && meta.theory.length > 0 && meta.theory[0].length > 10, JSON.stringify(meta.formula));
    assert(meta.diverged > 0.1 && meta.converged > 0.1, `diverged ${meta.diverged}, converged ${meta.converged}`);
    const command = await page.evaluate(() => window.downhillLab.command());
    runExported(command, tmp, '--backend cpu');
    assert(fs.existsSync(path.join(tmp, 'lab.png')), command);
  });

  await test('the frame time of a 512^2 basin map with 200 steps', async () => {
    await page.goto('about:blank');
    await page.goto(`${base}#kind=basins&landscape=bumpy&optimizer=gd:lr=0.1&steps=200&res=512`);
    await page.waitForFunction(() => document.body.dataset.state === 'ready', { timeout: 30000 });
    await fullFrameAfter(page, 0);
    const times = [];
    for (let k = 0; k < 4; k++) {
      const n = await frames(page);
      await page.evaluate(() => {
        const s = document.getElementById('steps');
        s.value = String(200);
        s.dispatchEvent(new Event('change'));
      });
      await fullFrameAfter(page, n);
      times.push(await page.evaluate(() => ({ frame: Number(document.body.dataset.frameMs), text: document.getElementById('timing').textContent })));
    }
    times.sort((a, b) => a.frame - b.frame);
    console.log(`     median of 4: ${times[2].text}`);
  });

  await test('the screenshot is not blank', async () => {
    const n = await page.evaluate(() => Number(document.body.dataset.paths || 0));
    const box = await (await page.$('#overlay')).boundingBox();
    await page.mouse.click(box.x + box.width * 0.62, box.y + box.height * 0.2);
    await page.waitForFunction((k) => Number(document.body.dataset.paths || 0) > k, { timeout: 30000 }, n);
    await page.screenshot({ path: screenshot });
    const colours = await page.evaluate(() => {
      const c = document.getElementById('map');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const seen = new Set();
      for (let i = 0; i < d.length; i += 4 * 97) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      return seen.size;
    });
    assert(colours >= 6, `the map shows ${colours} colours`);
    assert(fs.statSync(screenshot).size > 20000, 'the screenshot is tiny');
    console.log(`     saved ${path.relative(root, screenshot)}`);
  });
  if (errors.length) { failed += 1; console.log(`FAIL page errors: ${errors.join('; ')}`); }
} finally {
  await browser.close();
}

await test('without WebGPU the page says so and shows the precomputed figures', async () => {
  const plain = await puppeteer.launch({ executablePath: chromium, headless: true, args: ['--no-sandbox', '--disable-features=WebGPU'] });
  try {
    const page = await plain.newPage();
    await page.goto(base);
    await page.waitForFunction(() => ['ready', 'nogpu', 'error'].includes(document.body.dataset.state)
      && Array.from(document.images).every((i) => i.complete), { timeout: 30000 });
    const s = await page.evaluate(() => ({
      state: document.body.dataset.state,
      why: document.getElementById('nogpu-why').textContent,
      images: Array.from(document.querySelectorAll('#nogpu img')).map((i) => i.complete && i.naturalWidth),
    }));
    assert(s.state === 'nogpu', `state ${s.state}`);
    assert(/WebGPU/.test(s.why), s.why);
    assert(s.images.length === 3 && s.images.every((w) => w > 0), `fallback images ${JSON.stringify(s.images)}`);
  } finally {
    await plain.close();
  }
});

server.close();
fs.rmSync(tmp, { recursive: true, force: true });
if (failed) {
  console.log(`${failed} browser test(s) failed`);
  process.exit(1);
}
console.log('all browser tests passed');
