// The answer table: every (a, b) of a two-operand task, green where the network answers
// right and red where wrong; training pairs are drawn paler, so one watches the test cells
// turn green during the grok.

import { canvasWithText } from './parts.js';

export class AnswersView {
  constructor(root) {
    Object.assign(this, canvasWithText(root, 'answers-canvas', 'answers-text', 320, 320));
  }

  draw(snapshot) {
    const ctx = this.canvas.getContext('2d');
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    const a = snapshot?.answers;
    if (!a) {
      this.text.textContent = 'No answer table for this task.';
      return;
    }
    const cell = this.canvas.width / a.n;
    let right = 0;
    let testRight = 0;
    let tests = 0;
    for (let i = 0; i < a.n * a.n; i++) {
      if (a.truth[i] < 0) continue;
      const ok = a.predicted[i] === a.truth[i];
      right += ok;
      if (!a.train[i]) {
        tests += 1;
        testRight += ok;
      }
      ctx.fillStyle = ok ? (a.train[i] ? '#86efac' : '#16a34a') : (a.train[i] ? '#fca5a5' : '#dc2626');
      ctx.fillRect((i % a.n) * cell, Math.floor(i / a.n) * cell, Math.ceil(cell), Math.ceil(cell));
    }
    this.text.textContent = `Step ${snapshot.step.toLocaleString('en')}: ${testRight} of ${tests} held-out pairs answered right `
      + `(dark cells; pale cells are training pairs). Row a, column b.`;
  }
}
