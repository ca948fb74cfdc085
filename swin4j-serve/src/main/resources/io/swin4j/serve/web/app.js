// swin4j web page: classify an image (POST /v1/classify) and draw the window grid and attention of one block
// (POST /v1/attention) over the image as the model saw it. Plain JS, no dependencies.
'use strict';

const $ = (id) => document.getElementById(id);
const state = { model: null, file: null, attention: null, image: null, query: null };

function setStatus(text, isError) {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : '';
}

async function errorText(response) {
  try {
    const body = await response.json();
    return body.message || body.error || response.statusText;
  } catch (e) {
    return response.status + ' ' + response.statusText;
  }
}

async function loadModel() {
  const r = await fetch('v1/model');
  if (!r.ok) throw new Error('model info: ' + await errorText(r));
  const m = await r.json();
  state.model = m;
  if (m.task === 'segmentation') { swinSegment.init(m); return; } // segment.js: mask, opacity, legend
  const a = m.architecture;
  $('model').textContent = `${m.name} · Swin ${m.family} · ${a.numClasses} classes · input ${m.preset.width}×${m.preset.height}` +
    ` · window ${a.windowSize} · depths ${a.depths.join('-')} · ${m.weights}`;
  if (!m.attentionMaps) {
    // Swin-MLP mixes each window's tokens with a spatial MLP: there is no attention to draw.
    $('controls').hidden = true;
    $('overlay').hidden = true;
    $('legend').textContent = `This model is Swin-MLP (${m.name}): its blocks mix the tokens of each window with a ` +
      'spatial MLP instead of attention, so there are no attention maps to show. Classification works as usual.';
    $('legend').className = 'notice';
  }
  const stage = $('stage');
  stage.innerHTML = '';
  a.depths.forEach((_, i) => stage.add(new Option(String(i + 1), String(i))));
  fillBlocks();
}

function fillBlocks() {
  const a = state.model.architecture;
  const s = Number($('stage').value || 0);
  const block = $('block');
  block.innerHTML = '';
  for (let b = 0; b < a.depths[s]; b++) {
    block.add(new Option(`${b + 1} (${b % 2 === 0 ? 'W-MSA' : 'SW-MSA'})`, String(b)));
  }
  const head = $('head');
  head.innerHTML = '';
  for (let h = 0; h < a.numHeads[s]; h++) head.add(new Option(String(h + 1), String(h)));
}

async function classify(file) {
  setStatus('classifying ' + file.name + '…');
  const r = await fetch('v1/classify?top_k=5', {
    method: 'POST', body: file, headers: { 'Content-Type': file.type || 'application/octet-stream' } });
  if (!r.ok) throw new Error(await errorText(r));
  const body = await r.json();
  const result = body.results[0];
  const list = $('results');
  list.innerHTML = '';
  for (const p of result.top_k) {
    const li = document.createElement('li');
    li.className = 'bar';
    const pct = (100 * p.probability).toFixed(1);
    li.innerHTML = '<span class="label"></span><span class="track"><span class="fill"></span></span>' +
      '<span class="pct"></span>';
    li.querySelector('.label').textContent = p.label;
    li.querySelector('.label').title = p.label;
    li.querySelector('.fill').style.display = 'block';
    li.querySelector('.fill').style.width = pct + '%';
    li.querySelector('.pct').textContent = pct + '%';
    list.appendChild(li);
  }
  setStatus(`${file.name}: ${result.top_k[0].label}`);
}

async function loadAttention() {
  if (!state.file || !state.model.attentionMaps) return;
  const q = `stage=${$('stage').value}&block=${$('block').value}&head=${$('head').value}`;
  const r = await fetch('v1/attention?' + q, {
    method: 'POST', body: state.file, headers: { 'Content-Type': state.file.type || 'application/octet-stream' } });
  if (!r.ok) throw new Error('attention: ' + await errorText(r));
  const a = await r.json();
  const img = new Image();
  await new Promise((resolve, reject) => {
    img.onload = resolve;
    img.onerror = () => reject(new Error('cannot show the model input'));
    img.src = 'data:image/png;base64,' + a.image.png;
  });
  state.attention = a;
  state.image = img;
  if (!state.query || state.query[0] >= a.grid[0] || state.query[1] >= a.grid[1]) {
    state.query = [Math.floor(a.grid[0] / 2), Math.floor(a.grid[1] / 2)];
  }
  draw();
}

// The attention of the query token over the H×W map: its window's probabilities at their map positions.
function queryMap(a, row, col) {
  const [h, w] = a.grid;
  const n = a.windowTokens;
  const q = row * w + col;
  const t = a.partition.indexOf(q);
  const win = Math.floor(t / n), i = t % n;
  const map = new Float32Array(h * w);
  for (let j = 0; j < n; j++) {
    const pos = a.partition[win * n + j];
    if (pos < h * w) map[pos] = a.probs[(win * n + i) * n + j];
  }
  return map;
}

function draw() {
  const a = state.attention;
  if (!a) return;
  const canvas = $('overlay');
  const ctx = canvas.getContext('2d');
  const [h, w] = a.grid;
  const cw = canvas.width / w, ch = canvas.height / h;
  ctx.imageSmoothingEnabled = a.image.width < canvas.width / 2 ? false : true;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(state.image, 0, 0, canvas.width, canvas.height);
  if ($('showAttention').checked) {
    const map = queryMap(a, state.query[0], state.query[1]);
    let max = 0;
    for (const v of map) max = Math.max(max, v);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = max > 0 ? map[y * w + x] / max : 0;
        ctx.fillStyle = v > 0.001 ? `rgba(255, 30, 30, ${(0.15 + 0.6 * v).toFixed(3)})` : 'rgba(0, 0, 0, 0.35)';
        ctx.fillRect(x * cw, y * ch, cw, ch);
      }
    }
    ctx.strokeStyle = '#ffffff';
    ctx.lineWidth = 2;
    ctx.strokeRect(state.query[1] * cw + 1, state.query[0] * ch + 1, cw - 2, ch - 2);
  }
  // Window borders: between neighbouring tokens of different attention groups.
  ctx.strokeStyle = a.shifted ? '#00e5ff' : '#ffd600';
  ctx.lineWidth = 2;
  ctx.beginPath();
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const g = a.groups[y * w + x];
      if (x + 1 < w && a.groups[y * w + x + 1] !== g) { ctx.moveTo((x + 1) * cw, y * ch); ctx.lineTo((x + 1) * cw, (y + 1) * ch); }
      if (y + 1 < h && a.groups[(y + 1) * w + x] !== g) { ctx.moveTo(x * cw, (y + 1) * ch); ctx.lineTo((x + 1) * cw, (y + 1) * ch); }
    }
  }
  ctx.rect(1, 1, canvas.width - 2, canvas.height - 2);
  ctx.stroke();
  canvas.dataset.drawn = 'true';
  canvas.dataset.query = state.query.join(',');
  canvas.dataset.shifted = String(a.shifted);
  $('legend').dataset.grid = `${h}x${w}`;
}

async function choose(file) {
  if (!file) return;
  state.file = file;
  try {
    if (state.model && state.model.task === 'segmentation') { await swinSegment.run(file); return; }
    await classify(file);
    await loadAttention();
  } catch (e) {
    setStatus(e.message, true);
  }
}

function reportError(e) { setStatus(e.message, true); }

$('file').addEventListener('change', (e) => choose(e.target.files[0]));
const drop = $('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); choose(e.dataTransfer.files[0]); });
$('stage').addEventListener('change', () => { fillBlocks(); loadAttention().catch(reportError); });
$('block').addEventListener('change', () => loadAttention().catch(reportError));
$('head').addEventListener('change', () => loadAttention().catch(reportError));
$('showAttention').addEventListener('change', draw);
$('overlay').addEventListener('click', (e) => {
  const a = state.attention;
  if (!a) return;
  const rect = e.target.getBoundingClientRect();
  const col = Math.min(a.grid[1] - 1, Math.floor((e.clientX - rect.left) / rect.width * a.grid[1]));
  const row = Math.min(a.grid[0] - 1, Math.floor((e.clientY - rect.top) / rect.height * a.grid[0]));
  state.query = [row, col];
  draw();
});
loadModel().catch(reportError);
