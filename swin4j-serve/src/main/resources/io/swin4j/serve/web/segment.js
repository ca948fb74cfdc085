// swin4j web page, segmentation models: POST /v1/segment, the label map drawn over the image on the canvas with
// an opacity slider, and a legend (colour, class, share of the image). Plain JS, no dependencies; app.js calls
// swinSegment.init(model) when /v1/model says the task is segmentation, and swinSegment.run(file) per image.
'use strict';

const swinSegment = (() => {
  const el = (id) => document.getElementById(id);
  const seg = { image: null, mask: null, result: null };

  function loadImage(src) {
    return new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => resolve(img);
      img.onerror = () => reject(new Error('cannot show the image'));
      img.src = src;
    });
  }

  function init(model) {
    const mode = model.mode.kind === 'slide'
      ? `slide ${model.mode.crop.join('×')} / ${model.mode.stride.join('×')}` : 'whole image';
    el('model').textContent = `${model.name} · UPerNet-Swin ${model.family} · ${model.classes.length} classes · ` +
      `${mode}${model.mode.flip ? ' + flip' : ''} · ${model.weights}`;
    el('controls').innerHTML = '<label>Opacity <input id="opacity" type="range" min="0" max="1" step="0.05" ' +
      'value="0.5"></label><label><input id="showMask" type="checkbox" checked> mask</label>';
    el('opacity').addEventListener('input', draw);
    el('showMask').addEventListener('change', draw);
    document.querySelector('#input h2').textContent = 'Classes';
    el('legend').textContent = 'Each pixel in the colour of its class; the list gives the share of the image per class.';
    el('legend').className = '';
    el('overlay').style.cursor = 'default';
    el('overlay').setAttribute('aria-label', 'image with the segmentation mask');
  }

  async function run(file) {
    el('status').textContent = 'segmenting ' + file.name + '…';
    el('status').className = '';
    const r = await fetch('v1/segment', {
      method: 'POST', body: file,
      headers: { 'Content-Type': file.type || 'application/octet-stream', 'Accept': 'application/json' } });
    if (!r.ok) {
      let message = r.status + ' ' + r.statusText;
      try { const b = await r.json(); message = b.message || b.error || message; } catch (e) { /* not JSON */ }
      throw new Error(message);
    }
    const result = (await r.json()).results[0];
    const url = URL.createObjectURL(file);
    try {
      seg.image = await loadImage(url);
    } finally {
      URL.revokeObjectURL(url);
    }
    seg.mask = await loadImage('data:image/png;base64,' + result.label_png);
    seg.result = result;
    legend(result);
    draw();
    const top = result.classes[0];
    el('status').textContent = `${file.name}: ${result.width}×${result.height}, mostly ${top ? top.label : '?'}`;
  }

  function legend(result) {
    const list = el('results');
    list.innerHTML = '';
    for (const c of result.classes) {
      const li = document.createElement('li');
      li.className = 'bar seg';
      li.innerHTML = '<span class="swatch"></span><span class="label"></span><span class="track"><span class="fill">' +
        '</span></span><span class="pct"></span>';
      const pct = (100 * c.fraction).toFixed(1);
      li.querySelector('.swatch').style.background = c.color;
      li.querySelector('.label').textContent = c.label;
      li.querySelector('.label').title = `${c.label} (class ${c.index})`;
      li.querySelector('.fill').style.display = 'block';
      li.querySelector('.fill').style.width = pct + '%';
      li.querySelector('.fill').style.background = c.color;
      li.querySelector('.pct').textContent = pct + '%';
      li.dataset.index = String(c.index);
      list.appendChild(li);
    }
  }

  function draw() {
    if (!seg.image) return;
    const canvas = el('overlay');
    const scale = 448 / Math.max(seg.image.width, seg.image.height); // fit the page, small images enlarged
    canvas.width = Math.max(1, Math.round(seg.image.width * scale));
    canvas.height = Math.max(1, Math.round(seg.image.height * scale));
    const ctx = canvas.getContext('2d');
    ctx.imageSmoothingEnabled = true;
    ctx.globalAlpha = 1;
    ctx.drawImage(seg.image, 0, 0, canvas.width, canvas.height);
    const opacity = Number(el('opacity').value);
    if (el('showMask').checked) {
      ctx.imageSmoothingEnabled = false; // class colours stay class colours
      ctx.globalAlpha = opacity;
      ctx.drawImage(seg.mask, 0, 0, canvas.width, canvas.height);
      ctx.globalAlpha = 1;
    }
    canvas.dataset.drawn = 'true';
    canvas.dataset.task = 'segmentation';
    canvas.dataset.opacity = String(opacity);
  }

  return { init, run };
})();
