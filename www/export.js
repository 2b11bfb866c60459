// Taking results away: the history as CSV, each view as PNG (and the algorithm graph as SVG).
// The run as run.json is the core's to write (src/run.rs; the worker's `runFile`), so the
// page's file is the CLI's. No DOM state of its own: the page passes what it knows.

/** Every record as one CSV row: the fixed columns, then each named measure any record has. */
export function historyCsv(records) {
  const fixed = ['step', 'train_loss', 'test_loss', 'train_acc', 'test_acc', 'weight_norm'];
  const skip = new Set([...fixed, 'grad_norms', 'symmetries']);
  const measures = [...new Set(records.flatMap((r) => Object.keys(r).filter((k) => !skip.has(k) && typeof r[k] === 'number')))].sort();
  const balance = records[0]?.symmetries?.length ? records[0].symmetries.map((_, i) => `layer_balance_${i}`) : [];
  const cell = (v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : '');
  const rows = records.map((r) => [...fixed, ...measures].map((k) => cell(r[k])).concat(balance.map((_, i) => cell(r.symmetries?.[i]?.balance))).join(','));
  return [[...fixed, ...measures, ...balance].join(','), ...rows].join('\n') + '\n';
}

/** Every canvas of a figure, stacked top to bottom on a white ground, as one PNG blob. */
export function figurePng(figure) {
  const canvases = [...figure.querySelectorAll('canvas')].filter((c) => c.width && c.height && c.offsetParent !== null);
  const width = Math.max(1, ...canvases.map((c) => c.width));
  const height = Math.max(1, canvases.reduce((h, c) => h + c.height, 0));
  const out = Object.assign(document.createElement('canvas'), { width, height });
  const ctx = out.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  let y = 0;
  for (const c of canvases) {
    ctx.drawImage(c, 0, y);
    y += c.height;
  }
  return new Promise((done) => out.toBlob(done, 'image/png'));
}

/** A figure as SVG: its own SVG when it draws one (the algorithm graph, vector), else its
 * canvases as an embedded PNG image (raster inside an SVG file). */
export async function figureSvg(figure) {
  const svg = figure.querySelector('svg');
  if (svg) {
    const copy = svg.cloneNode(true);
    copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
    return new Blob([new XMLSerializer().serializeToString(copy)], { type: 'image/svg+xml' });
  }
  const png = await figurePng(figure);
  const url = await new Promise((done) => {
    const reader = new FileReader();
    reader.onload = () => done(reader.result);
    reader.readAsDataURL(png);
  });
  const bitmap = await createImageBitmap(png);
  const text = `<svg xmlns="http://www.w3.org/2000/svg" width="${bitmap.width}" height="${bitmap.height}"><image href="${url}" width="${bitmap.width}" height="${bitmap.height}"/></svg>`;
  return new Blob([text], { type: 'image/svg+xml' });
}

/** Offer a blob as a file download. */
export function download(blob, name) {
  const a = Object.assign(document.createElement('a'), { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
