// The lab's page: controls, progressive recomputation, drawing of maps, paths and keys, and
// export. Every number crunched comes from the wasm module (the downhill library and its WGSL
// kernels on the reader's GPU); this file only lays things out.
//
// The page state lives in the URL hash (see `readHash`/`writeHash`), so a configured lab can be
// linked to or embedded with one iframe. For tests it mirrors its progress on <body>:
// data-state (loading, ready, nogpu, error), data-frames (maps drawn), data-paths (paths drawn).

import init, { Lab, catalogue, command_line, figure_toml, check } from './pkg/downhill_web.js';

const $ = (id) => document.getElementById(id);
const PRESETS = [
  ['bowl', 'Bowl: x² + 2y²'],
  ['ravine', 'Ravine: Rosenbrock, b = 20'],
  ['saddle', 'Saddle: x² − y²'],
  ['bumpy', 'Bumpy: 0.1(x² + y²) + sin x sin y'],
];
const COARSE = 128;        // cells per side while a control is being dragged
const SETTLE_MS = 250;     // quiet time after which the full resolution is drawn

let lab = null;
let cat = null;
const state = {
  kind: 'basins', landscape: 'bumpy', expr: '', optimizer: 'gd', hyper: {}, steps: 200, res: 512,
  domain: null, lr: '0:4', k: '0.1:10:log', click: null, embed: false,
};
let last = null;           // { meta, labels, recipe } of the map on screen
let frames = 0, paths = 0;

// ---- recipe -------------------------------------------------------------------------------

function landscapeText() {
  return state.landscape === 'expr' ? state.expr.trim() : state.landscape;
}

function optimiserText() {
  const o = cat.optimisers.find((o) => o.name === state.optimizer);
  const parts = o.params
    .filter((p) => !(state.kind === 'stability' && p.name === 'lr'))
    .filter((p) => state.hyper[p.name] !== undefined && state.hyper[p.name] !== p.default)
    .map((p) => `${p.name}=${fmt(state.hyper[p.name])}`);
  return parts.length ? `${o.name}:${parts.join(',')}` : o.name;
}

// The recipe as the library's `Recipe` (a figure file's [[figure]] fields), at `res` cells.
function recipe(res) {
  const r = { name: 'lab', kind: state.kind, optimizer: optimiserText(), steps: state.steps, res };
  if (state.kind === 'basins') {
    r.landscape = landscapeText();
    if (state.domain) r.domain = state.domain;
  } else {
    r.lr = state.lr;
    r.k = state.k;
  }
  return r;
}

function fmt(v) {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

// ---- URL ----------------------------------------------------------------------------------

function readHash() {
  const q = new URLSearchParams(location.hash.slice(1) || location.search.slice(1));
  if (q.get('kind') === 'stability') state.kind = 'stability';
  const l = q.get('landscape');
  if (l) {
    if (l.startsWith('expr:')) { state.landscape = 'expr'; state.expr = l; }
    else state.landscape = l.split(':')[0];
  }
  const o = q.get('optimizer');
  if (o) {
    const [name, rest] = o.split(/:(.*)/s);
    state.optimizer = name;
    for (const kv of (rest || '').split(',').filter(Boolean)) {
      const [k, v] = kv.split('=');
      state.hyper[k] = Number(v);
    }
  }
  if (q.get('steps')) state.steps = Number(q.get('steps'));
  if (q.get('res')) state.res = Number(q.get('res'));
  if (q.get('domain')) state.domain = q.get('domain').split(':').map(Number);
  if (q.get('lr')) state.lr = q.get('lr');
  if (q.get('k')) state.k = q.get('k');
  if (q.get('click')) state.click = q.get('click').split(',').map(Number);
  state.embed = q.get('embed') === '1';
}

function hashText() {
  const q = new URLSearchParams();
  q.set('kind', state.kind);
  if (state.kind === 'basins') q.set('landscape', landscapeText());
  q.set('optimizer', optimiserText());
  q.set('steps', state.steps);
  q.set('res', state.res);
  if (state.kind === 'basins' && state.domain) q.set('domain', state.domain.map(fmt).join(':'));
  if (state.kind === 'stability') { q.set('lr', state.lr); q.set('k', state.k); }
  if (state.click) q.set('click', state.click.map((v) => v.toFixed(4)).join(','));
  return q.toString();
}

function writeHash() {
  history.replaceState(null, '', '#' + hashText());
}

// ---- controls -----------------------------------------------------------------------------

function fillControls() {
  const ls = $('landscape');
  const group = (label) => { const g = document.createElement('optgroup'); g.label = label; ls.append(g); return g; };
  const presets = group('Presets');
  for (const [name, text] of PRESETS) presets.append(new Option(text, name));
  const all = group('All landscapes');
  for (const l of cat.landscapes) if (!PRESETS.some(([n]) => n === l.name)) all.append(new Option(l.name, l.name));
  group('Your own').append(new Option('expression…', 'expr'));
  const os = $('optimizer');
  for (const o of cat.optimisers) os.append(new Option(o.name, o.name));
}

function showControls() {
  document.querySelector(`input[name=kind][value=${state.kind}]`).checked = true;
  $('landscape').value = state.landscape;
  $('expr').value = state.expr;
  $('expr').hidden = state.landscape !== 'expr';
  $('landscape-box').hidden = state.kind !== 'basins';
  $('axes-box').hidden = state.kind !== 'stability';
  $('lr-axis').value = state.lr;
  $('k-axis').value = state.k;
  $('optimizer').value = state.optimizer;
  $('steps').value = state.steps;
  $('steps-out').value = state.steps;
  $('res').value = String(state.res);
  const l = cat.landscapes.find((l) => l.name === state.landscape);
  $('formula').textContent = l ? `f = ${l.formula}` : '';
  const d = state.domain || (l ? l.domain : [-6, 6, -6, 6]);
  ['xlo', 'xhi', 'ylo', 'yhi'].forEach((id, i) => { $(id).value = d[i]; });
  hyperSliders();
}

// A slider per hyperparameter: learning rates and positive values on a log scale, decay rates
// in [0, 1), switches as checkboxes.
function hyperSliders() {
  const box = $('hyper');
  box.textContent = '';
  const o = cat.optimisers.find((o) => o.name === state.optimizer);
  $('optimizer').title = o.formula;
  for (const p of o.params) {
    const v = state.hyper[p.name] ?? p.default;
    const row = document.createElement('label');
    row.className = 'hyper';
    const out = document.createElement('output');
    const input = document.createElement('input');
    input.id = `hp-${p.name}`;
    input.dataset.param = p.name;
    row.title = p.doc;
    if (p.domain.startsWith('0 or 1')) {
      input.type = 'checkbox';
      input.checked = v !== 0;
      input.addEventListener('change', () => { state.hyper[p.name] = input.checked ? 1 : 0; changed(true); });
      row.append(p.name + ' ', input);
    } else {
      const log = /> 0/.test(p.domain) || p.name === 'lr';
      const unit = p.domain.startsWith('in [0, 1)');
      let lo, hi;
      if (unit) { lo = 0; hi = 0.999; }
      else if (p.name === 'lr') { lo = -4; hi = 1; }
      else if (log) { lo = Math.log10(Math.max(p.default, 1e-8)) - 3; hi = Math.log10(Math.max(p.default, 1e-8)) + 2; }
      else { lo = Math.min(0, p.default * 4); hi = Math.max(1, p.default * 4); }
      input.type = 'range';
      input.min = lo; input.max = hi; input.step = (hi - lo) / 1000;
      input.value = log ? Math.log10(Math.max(v, 1e-12)) : v;
      const value = () => (log ? 10 ** Number(input.value) : Number(input.value));
      out.value = fmt(v);
      input.addEventListener('input', () => {
        state.hyper[p.name] = Number(value().toPrecision(4));
        out.value = fmt(state.hyper[p.name]);
        changed(false);
      });
      input.addEventListener('change', () => changed(true));
      input.disabled = state.kind === 'stability' && p.name === 'lr';
      row.append(p.name + ' ', input, ' ', out);
    }
    box.append(row);
  }
}

function wireControls() {
  for (const r of document.querySelectorAll('input[name=kind]')) {
    r.addEventListener('change', () => { state.kind = r.value; state.click = null; showControls(); changed(true); });
  }
  $('landscape').addEventListener('change', () => {
    state.landscape = $('landscape').value;
    if (state.landscape === 'expr' && !state.expr) state.expr = 'expr:0.1*(x^2 + y^2) + sin(x)*sin(y)';
    state.domain = null; state.click = null;
    showControls(); changed(true);
  });
  $('expr').addEventListener('input', () => { state.expr = $('expr').value; changed(false); });
  $('expr').addEventListener('change', () => changed(true));
  $('optimizer').addEventListener('change', () => { state.optimizer = $('optimizer').value; state.hyper = {}; showControls(); changed(true); });
  $('steps').addEventListener('input', () => { state.steps = Number($('steps').value); $('steps-out').value = state.steps; changed(false); });
  $('steps').addEventListener('change', () => changed(true));
  $('res').addEventListener('change', () => { state.res = Number($('res').value); changed(true); });
  for (const id of ['xlo', 'xhi', 'ylo', 'yhi']) {
    $(id).addEventListener('change', () => { state.domain = ['xlo', 'xhi', 'ylo', 'yhi'].map((i) => Number($(i).value)); changed(true); });
  }
  for (const id of ['lr-axis', 'k-axis']) {
    $(id).addEventListener('change', () => { state.lr = $('lr-axis').value; state.k = $('k-axis').value; changed(true); });
  }
  $('overlay').addEventListener('click', (e) => {
    const box = e.target.getBoundingClientRect();
    state.click = [(e.clientX - box.left) / box.width, 1 - (e.clientY - box.top) / box.height];
    drawOverlay();
    writeHash();
    tracePath();
  });
  $('png').addEventListener('click', savePng);
}

// ---- progressive recomputation ------------------------------------------------------------

let pending = null, busy = false, settle = 0;

// A control changed: draw a coarse frame now (while dragging), the full one once it settles.
function changed(final) {
  writeHash();
  clearTimeout(settle);
  if (final) request(true);
  else { request(false); settle = setTimeout(() => request(true), SETTLE_MS); }
}

function request(full) {
  pending = { full };
  pump();
}

async function pump() {
  if (busy || !pending) return;
  const job = pending;
  pending = null;
  busy = true;
  try { await render(job.full); } finally { busy = false; pump(); }
}

async function render(full) {
  const res = full ? state.res : Math.min(COARSE, state.res);
  const r = recipe(res);
  const text = JSON.stringify(r);
  try {
    check(text);
  } catch (e) {
    $('error').textContent = String(e.message || e);
    return;
  }
  $('error').textContent = '';
  const t0 = performance.now();
  let result;
  try {
    result = await lab.map(text);
  } catch (e) {
    $('error').textContent = String(e.message || e);
    return;
  }
  const meta = JSON.parse(result.meta());
  const rgba = result.rgba();
  const labels = result.labels();
  result.free();
  const t1 = performance.now();
  const canvas = $('map');
  canvas.width = meta.width; canvas.height = meta.height;
  canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.length), meta.width, meta.height), 0, 0);
  const t2 = performance.now();
  last = { meta, labels, recipe: r };
  drawOverlay();
  drawKey(meta);
  const ms = (v) => v.toFixed(1);
  $('timing').textContent = `${meta.width}×${meta.height}, ${state.steps} steps: frame ${ms(t2 - t0)} ms ` +
    `(GPU compute + readback ${ms(meta.gpu_ms)}, colouring ${ms(meta.paint_ms)}, draw ${ms(t2 - t1)}); ` +
    `diverged ${(100 * meta.diverged).toFixed(1)}%, converged ${(100 * meta.converged).toFixed(1)}%`;
  document.body.dataset.frameMs = String(t2 - t0);
  document.body.dataset.full = String(full);
  frames += 1;
  document.body.dataset.frames = String(frames);
  showExport();
  if (full && state.click) await tracePath();
}

// ---- drawing ------------------------------------------------------------------------------

function drawOverlay() {
  const c = $('overlay');
  const g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  if (!last) return;
  const { meta } = last;
  const px = ([fx, fy]) => [fx * c.width, (1 - fy) * c.height];
  g.lineWidth = 2;
  g.strokeStyle = 'white';
  for (const line of meta.theory) {
    g.beginPath();
    line.forEach((p, i) => { const [x, y] = px(p); i ? g.lineTo(x, y) : g.moveTo(x, y); });
    g.stroke();
  }
  for (const m of meta.markers) {
    const [x, y] = px(m);
    g.beginPath(); g.arc(x, y, 5, 0, 2 * Math.PI);
    g.fillStyle = 'white'; g.fill(); g.strokeStyle = '#141414'; g.lineWidth = 1.5; g.stroke();
  }
  if (state.click) {
    const [x, y] = px(state.click);
    g.strokeStyle = 'white'; g.lineWidth = 2;
    g.beginPath(); g.moveTo(x - 7, y); g.lineTo(x + 7, y); g.moveTo(x, y - 7); g.lineTo(x, y + 7); g.stroke();
  }
  const r = last.recipe;
  $('axes-note').textContent = r.kind === 'basins'
    ? `start x0 from ${$('xlo').value} to ${$('xhi').value} (left to right), y0 from ${$('ylo').value} to ${$('yhi').value} (bottom to top)`
    : `learning rate ${r.lr} → (left to right), curvature k ${r.k} ↑` + (meta.formula ? `; white: ${meta.formula}` : '');
}

const rgb = (c) => `rgb(${c[0]},${c[1]},${c[2]})`;

function drawKey(meta) {
  const box = $('key');
  box.textContent = '';
  const k = meta.key;
  if (k.kind === 'bar') {
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.style.background = `linear-gradient(to right, ${k.stops.map(rgb).join(',')})`;
    const t = document.createElement('p');
    t.textContent = `${k.title}: ${fmt(k.lo)} … ${fmt(k.hi)}${k.log ? ' (log)' : ''}`;
    box.append(t, bar);
  }
  for (const [c, label] of k.entries) {
    const e = document.createElement('span');
    e.className = 'entry';
    const s = document.createElement('i');
    s.style.background = rgb(c);
    e.append(s, label);
    box.append(e);
  }
  for (const n of k.notes) {
    const p = document.createElement('p'); p.className = 'note'; p.textContent = n; box.append(p);
  }
}

async function tracePath() {
  if (!state.click || !last) return;
  const text = JSON.stringify(last.recipe);
  let p;
  try {
    p = JSON.parse(await lab.path(text, state.click[0], state.click[1]));
  } catch (e) {
    $('path-note').textContent = String(e.message || e);
    return;
  }
  const c = $('path');
  const bg = lab.contours(text, c.width, c.height);
  const g = c.getContext('2d');
  g.putImageData(new ImageData(new Uint8ClampedArray(bg.buffer, bg.byteOffset, bg.length), c.width, c.height), 0, 0);
  const [xlo, xhi, ylo, yhi] = p.window;
  const px = ([x, y]) => [(x - xlo) / (xhi - xlo) * c.width, (1 - (y - ylo) / (yhi - ylo)) * c.height];
  g.strokeStyle = '#d62728'; g.lineWidth = 1.5;
  g.beginPath();
  p.points.forEach((q, i) => { const [x, y] = px(q); i ? g.lineTo(x, y) : g.moveTo(x, y); });
  g.stroke();
  const [sx, sy] = px(p.points[0]);
  g.fillStyle = '#d62728'; g.beginPath(); g.arc(sx, sy, 4, 0, 2 * Math.PI); g.fill();
  drawCurve(p.points.map((q) => q[2]));
  const fate = p.diverged_at != null ? `diverged at step ${p.diverged_at}`
    : p.converged_at != null ? `converged at step ${p.converged_at}` : `not converged in ${state.steps} steps`;
  $('path-note').textContent = `${p.axes[0]} = ${fmt(p.cell[0])}, ${p.axes[1]} = ${fmt(p.cell[1])}: ${fate}`;
  paths += 1;
  document.body.dataset.paths = String(paths);
  document.body.dataset.pathPoints = String(p.points.length);
}

// The loss against the step, on a log scale when every loss is positive.
function drawCurve(loss) {
  const c = $('curve');
  const g = c.getContext('2d');
  g.fillStyle = 'white'; g.fillRect(0, 0, c.width, c.height);
  const finite = loss.filter(Number.isFinite);
  if (finite.length < 2) return;
  const log = finite.every((v) => v > 0);
  const f = (v) => (log ? Math.log10(v) : v);
  let lo = Math.min(...finite.map(f)), hi = Math.max(...finite.map(f));
  if (hi === lo) { hi += 1; lo -= 1; }
  g.strokeStyle = '#d62728'; g.lineWidth = 1.5; g.beginPath();
  loss.forEach((v, i) => {
    if (!Number.isFinite(v)) return;
    const x = 4 + i / (loss.length - 1) * (c.width - 8), y = 4 + (1 - (f(v) - lo) / (hi - lo)) * (c.height - 20);
    i ? g.lineTo(x, y) : g.moveTo(x, y);
  });
  g.stroke();
  g.fillStyle = '#333'; g.font = '11px sans-serif';
  g.fillText(`loss${log ? ' (log)' : ''} ${fmt(log ? 10 ** lo : lo)} … ${fmt(log ? 10 ** hi : hi)} over ${loss.length - 1} steps`, 4, c.height - 4);
}

// ---- export -------------------------------------------------------------------------------

function showExport() {
  const text = JSON.stringify(recipe(state.res));
  $('cli').value = command_line(text, 'lab');
  $('toml').value = figure_toml(text, 'lab');
  const url = location.href.split('#')[0];
  $('embed').value = `<iframe src="${url}#${hashText()}&embed=1" width="900" height="640" style="border:0"></iframe>`;
}

function savePng() {
  const map = $('map'), over = $('overlay');
  const out = document.createElement('canvas');
  out.width = over.width; out.height = over.height;
  const g = out.getContext('2d');
  g.imageSmoothingEnabled = false;
  g.drawImage(map, 0, 0, out.width, out.height);
  g.drawImage(over, 0, 0);
  const a = document.createElement('a');
  a.download = 'downhill-lab.png';
  a.href = out.toDataURL('image/png');
  a.click();
}

// ---- start --------------------------------------------------------------------------------

function noGpu(why) {
  $('nogpu-why').textContent = why;
  $('nogpu').hidden = false;
  $('status').textContent = 'No WebGPU here: showing precomputed figures instead of the live lab.';
  document.body.dataset.state = 'nogpu';
}

async function main() {
  await init();
  cat = JSON.parse(catalogue());
  readHash();
  if (state.embed) document.body.classList.add('embed');
  if (!navigator.gpu) {
    noGpu('This browser does not offer WebGPU (navigator.gpu is missing), so the lab cannot run its kernels on your GPU.');
    return;
  }
  try {
    lab = await Lab.open();
  } catch (e) {
    noGpu(`This browser has WebGPU but gave no adapter: ${e.message || e}`);
    return;
  }
  $('status').textContent = `Running on ${lab.adapter()} through WebGPU: every frame is one trajectory per cell.`;
  document.body.dataset.adapter = lab.adapter();
  $('lab').hidden = false;
  fillControls();
  showControls();
  wireControls();
  document.body.dataset.state = 'ready';
  request(true);
}

main().catch((e) => {
  $('status').textContent = `The lab failed to start: ${e.message || e}`;
  document.body.dataset.state = 'error';
});

// For tests and the console: the state, the last map's labels and the current recipe.
window.downhillLab = {
  state, recipe: () => recipe(state.res), labels: () => (last ? Array.from(last.labels) : null),
  attractors: () => (last ? last.meta.attractors : null), meta: () => (last ? last.meta : null),
  command: () => $('cli').value, toml: () => $('toml').value, hash: hashText,
};
