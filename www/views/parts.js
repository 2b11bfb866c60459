// Small building blocks the inside views share.

/** A paragraph for a view's text alternative (the figures in words). */
export function viewText(id) {
  return Object.assign(document.createElement('p'), { id, className: 'view-text' });
}

/** A canvas described by a text paragraph, appended to `root`: {canvas, text}. */
export function canvasWithText(root, canvasId, textId, width, height) {
  const canvas = Object.assign(document.createElement('canvas'), { width, height, id: canvasId });
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-describedby', textId);
  const text = viewText(textId);
  root.append(canvas, text);
  return { canvas, text };
}

/** A uPlot plugin drawing dashed vertical lines at the [x, colour] pairs `marks()` returns
 * when the chart draws (the scrubbed step on the curves; D and D_c on the landscape). */
export function verticalMarks(marks) {
  return { hooks: { draw: [(u) => {
    const { top, height } = u.bbox;
    for (const [x, colour] of marks()) {
      const left = u.valToPos(x, 'x', true);
      u.ctx.save();
      u.ctx.strokeStyle = colour;
      u.ctx.setLineDash([4, 4]);
      u.ctx.beginPath();
      u.ctx.moveTo(left, top);
      u.ctx.lineTo(left, top + height);
      u.ctx.stroke();
      u.ctx.restore();
    }
  }] } };
}
