// The lesson panel: the step's text, its check judged live on the student's run (one line per
// condition, ticked when it holds), and the way to the previous and next steps.

import { judge } from '../lesson.js';

export class LessonView {
  /** @param go called with the 1-based step number to open */
  constructor(root, go) {
    this.root = root;
    this.go = go;
    this.lesson = null;
    this.achieved = false;
  }

  /** Show step `number` (1-based) of `lesson`, or hide the panel when `lesson` is null. */
  show(lesson, name, number) {
    this.lesson = lesson;
    this.achieved = false;
    this.root.hidden = !lesson;
    this.root.replaceChildren();
    if (!lesson) return;
    this.step = lesson.steps[number - 1];
    this.number = number;
    const el = (tag, cls, text) => Object.assign(document.createElement(tag), { className: cls || '', textContent: text ?? '' });
    const head = el('div', 'lesson-head');
    head.append(el('h2', '', lesson.title), el('span', 'lesson-count', `step ${number} of ${lesson.steps.length}`));
    this.root.append(head);
    for (const para of this.step.text.split(/\n\s*\n/)) this.root.append(el('p', 'lesson-text', para));
    this.root.append(el('p', 'lesson-goal', 'Goal:'));
    this.parts = el('ul', 'lesson-check');
    this.root.append(this.parts);
    this.done = el('p', 'lesson-done', '');
    this.done.hidden = true;
    this.root.append(this.done);
    const nav = el('div', 'lesson-nav');
    const button = (text, n, disabled) => {
      const b = el('button', '', text);
      b.type = 'button';
      b.disabled = disabled;
      b.addEventListener('click', () => this.go(n));
      return b;
    };
    nav.append(button('← Previous step', number - 1, number <= 1));
    this.next = button(number < lesson.steps.length ? 'Next step →' : 'Lesson done', number + 1, number >= lesson.steps.length);
    this.next.id = 'lesson-next';
    nav.append(this.next);
    this.root.append(nav);
    this.name = name;
  }

  /** Judge the step's check on the run; returns true the first time it passes. */
  judge(run) {
    if (!this.lesson) return false;
    const { passed, parts } = judge(this.step.check, run);
    this.parts.replaceChildren(...parts.map((p) => {
      const li = Object.assign(document.createElement('li'), { textContent: p.text });
      li.dataset.passed = String(p.passed);
      return li;
    }));
    const first = passed && !this.achieved;
    if (passed) this.achieved = true;
    this.root.dataset.achieved = String(this.achieved);
    this.done.hidden = !this.achieved;
    this.done.textContent = this.achieved ? `✓ Achieved. ${this.step.done || ''}` : '';
    this.next.classList.toggle('lesson-ready', this.achieved);
    return first;
  }
}
