// The step scrubber shared by every inside view: drag it back and each view shows that
// snapshot; move it to the right end (or press "live") to follow the run again.

/** A slider over the run's snapshots. `onChange(index | null)`: null follows the live run. */
export class Scrubber {
  constructor(root, onChange) {
    this.onChange = onChange;
    this.count = 0;
    this.live = true;
    this.input = Object.assign(document.createElement('input'), { type: 'range', id: 'scrubber', min: 0, max: 0, value: 0, step: 1 });
    this.input.setAttribute('aria-label', 'Step shown by the views');
    this.input.setAttribute('aria-describedby', 'scrubber-step');
    this.label = Object.assign(document.createElement('span'), { id: 'scrubber-step', className: 'scrubber-step' });
    this.button = Object.assign(document.createElement('button'), { type: 'button', id: 'scrubber-live', textContent: 'live' });
    this.button.setAttribute('aria-label', 'Follow the live run');
    root.append(this.input, this.label, this.button);
    this.input.addEventListener('input', () => this.pick(Number(this.input.value)));
    this.button.addEventListener('click', () => this.pick(this.count - 1, true));
    this.steps = [];
  }

  /** The run's snapshot steps changed (new ones, or a new run). */
  update(steps) {
    this.steps = steps;
    this.count = steps.length;
    this.input.max = String(Math.max(0, this.count - 1));
    if (this.live) this.input.value = this.input.max;
    this.showLabel();
  }

  pick(index, live = index >= this.count - 1) {
    this.live = live;
    this.input.value = String(index);
    this.showLabel();
    this.onChange(this.live ? null : index);
  }

  showLabel() {
    const i = Number(this.input.value);
    this.label.textContent = this.count ? `step ${this.steps[i]?.toLocaleString('en') ?? '–'}${this.live ? ' (live)' : ''}` : 'no snapshot yet';
  }
}
