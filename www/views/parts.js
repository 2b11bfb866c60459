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
