// The answer table: every (a, b) of a two-operand task, green where the network answers
// right and red where wrong; training pairs are drawn paler, so one watches the test cells
// turn green during the grok. Below it, "Ask the network": pick a and b (or click a cell) and
// the network as it was at the step shown answers, with its top answers' probabilities — the
// core computes them (train::ask) from the network it kept at that snapshot.

import { canvasWithText } from './parts.js';

export class AnswersView {
  constructor(root) {
    Object.assign(this, canvasWithText(root, 'answers-canvas', 'answers-text', 320, 320));
    this.names = null; // the core's token names: {operands, classes}
    this.asker = null; // (a, b, step) => Promise<{answer} | {error}>
    this.question = null; // [a, b]: the pair asked, asked again when the step shown changes
    this.asked = null; // `${a},${b},${step}` of the answer on screen (or on its way)
    this.snapshot = null;
    const HINT = 'Pick a and b, or click a cell of the table: the network at the step shown answers.';
    const make = (tag, attrs = {}, ...children) => {
      const e = Object.assign(document.createElement(tag), attrs);
      e.append(...children);
      return e;
    };
    this.selects = ['a', 'b'].map((n) => make('select', { id: `ask-${n}` }));
    const go = make('button', { type: 'button', id: 'ask-go' }, 'Ask');
    go.setAttribute('aria-describedby', 'ask-answer');
    this.out = make('p', { id: 'ask-answer', className: 'view-text' }, HINT);
    const box = make('div', { className: 'ask', hidden: true }, // until a run with pairs is asked (setRun)
      make('strong', {}, 'Ask the network'), ' ', make('label', {}, 'a ', this.selects[0]), ' ', make('label', {}, 'b ', this.selects[1]), ' ', go, this.out);
    this.hint = HINT;
    root.append(box);
    this.box = box;
    go.addEventListener('click', () => this.ask(this.selects.map((s) => Number(s.value))));
    this.canvas.addEventListener('click', (e) => {
      const n = this.snapshot?.answers?.n;
      if (!n) return;
      const r = this.canvas.getBoundingClientRect();
      const cell = (v, size) => Math.min(n - 1, Math.max(0, Math.floor((v / size) * n)));
      this.ask([cell(e.clientY - r.top, r.height), cell(e.clientX - r.left, r.width)]);
    });
  }

  /** A new run: its token names (null for a task without pairs) and how to ask its network. */
  setRun(names, asker) {
    this.names = names;
    this.asker = asker;
    this.question = null;
    this.asked = null;
    this.box.hidden = !names;
    for (const s of this.selects) s.replaceChildren(...(names?.operands ?? []).map((t, i) => Object.assign(document.createElement('option'), { value: String(i), textContent: t })));
    this.out.textContent = this.hint;
  }

  /** Ask about (a, b) at the step shown, and keep asking it as the step changes. */
  ask([a, b]) {
    this.selects[0].value = String(a);
    this.selects[1].value = String(b);
    this.question = [a, b];
    this.asked = null;
    this.answerShown();
  }

  /** Put the question to the network of the snapshot on screen, unless already answered. */
  async answerShown() {
    const s = this.snapshot;
    if (!this.question || !s || !this.names) return;
    const [a, b] = this.question;
    const key = `${a},${b},${s.step}`;
    if (this.asked === key) return;
    this.asked = key;
    const reply = this.asker ? await this.asker(a, b, s.step) : { error: 'no run to ask' };
    if (this.asked !== key) return; // a newer question or step came meanwhile
    this.out.textContent = reply.answer ? this.describe(a, b, reply.answer) : this.fromTable(a, b, s, reply.error);
  }

  /** The network's answer in words. */
  describe(a, b, answer) {
    const { operands, classes } = this.names;
    const pct = (p) => (p < 0.0005 ? '< 0.1 %' : `${(100 * p).toFixed(p > 0.995 && p < 1 ? 2 : 1)} %`);
    const top = answer.top.map(([c, p]) => `${classes[c]} (${pct(p)})`).join(', ');
    const how = answer.distribution === 'nearest' ? 'its output\'s nearest class vector; probabilities from the distances' : 'softmax of its outputs';
    const truth = answer.truth === null || answer.truth === undefined
      ? 'This pair is not in the data set.'
      : `The right answer is ${classes[answer.truth]}: ${answer.predicted === answer.truth ? 'right' : 'wrong'}. (${operands[a]}, ${operands[b]}) is ${answer.train ? 'a training pair' : 'a held-out (test) pair'}.`;
    return `At step ${answer.step.toLocaleString('en')}, asked a = ${operands[a]}, b = ${operands[b]}, the network answers ${classes[answer.predicted]}. Its top answers (${how}): ${top}. ${truth}`;
  }

  /** Without the network (a run opened from its file, or one whose step came before the device
   * moved): what the snapshot's table says, and why there are no probabilities. */
  fromTable(a, b, s, why) {
    const { operands, classes } = this.names;
    const t = s.answers;
    const i = t ? a * t.n + b : -1;
    if (!t || t.truth[i] < 0) return `(${operands[a]}, ${operands[b]}) is not in the data set. (${why}.)`;
    return `At step ${s.step.toLocaleString('en')} the answer table says the network answers ${classes[t.predicted[i]]} to a = ${operands[a]}, b = ${operands[b]}; the right answer is ${classes[t.truth[i]]} (${t.train[i] ? 'a training pair' : 'a held-out pair'}). No probabilities: ${why}.`;
  }

  draw(snapshot) {
    this.snapshot = snapshot ?? null;
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
      + `(dark cells; pale cells are training pairs). Row a, column b; click a cell to ask the network about it.`;
    this.answerShown();
  }
}
