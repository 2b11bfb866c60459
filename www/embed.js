// <groklab-figure>: a Groklab figure an author pastes into any page.
//
//   <script type="module" src="https://…/groklab/www/embed.js"></script>
//   <groklab-figure preset="quick-grok" views="curves,spectrum" autoplay></groklab-figure>
//
// The element makes an iframe of the playground in figure mode (figure.js), so the article's
// CSS and the figure's cannot touch each other. Every attribute becomes a setting of the
// link, as in a shared link: `preset`, `views`, `autoplay`, `settings`, `backend`, `at` and
// any config key (`optim.rest.weight_decay="0.3"`); a bare attribute means 1. Only `height`
// (a fixed frame height; without it the frame follows its content), `src` (another copy of
// the playground), `title`, `id`, `class` and `style` belong to the element itself. Each
// figure pauses on its own while it is scrolled out of view.

/** Attributes of the element itself, not settings of the figure. */
const OWN = new Set(['height', 'src', 'title', 'id', 'class', 'style']);

/** The playground this script was published with. */
const PLAYGROUND = new URL('../index.html', import.meta.url).href;

let figures = 0;

/** The link of a figure from its element's attributes. */
export function figureHash(attributes) {
  const params = new URLSearchParams();
  for (const { name, value } of attributes) if (!OWN.has(name)) params.set(name, value === '' ? '1' : value);
  if (!params.has('views')) params.set('views', 'curves');
  return '#' + params.toString();
}

/** The `<groklab-figure>` custom element. */
export class GroklabFigure extends HTMLElement {
  connectedCallback() {
    if (this.frame) return;
    const hash = figureHash(this.attributes);
    const frame = document.createElement('iframe');
    figures += 1;
    frame.name = `groklab-figure-${figures}`;
    frame.title = this.getAttribute('title') || `Groklab figure: ${new URLSearchParams(hash.slice(1)).get('views')}`;
    frame.src = (this.getAttribute('src') || PLAYGROUND) + hash;
    // On an isolated article the figure may be isolated too (its CPU then trains on every
    // core), also when the playground is on another origin (README, "Serving it yourself").
    frame.allow = 'cross-origin-isolated';
    frame.style.cssText = 'display:block;width:100%;border:0;';
    frame.style.height = this.getAttribute('height') || '480px';
    this.style.display = 'block';
    this.frame = frame;
    this.append(frame);
  }
}

// A figure's frame reports its content's height (figure.js reportHeight); frames without a
// fixed `height` follow it, so a figure is as tall as the views it shows.
window.addEventListener('message', (e) => {
  if (e.data?.groklab !== 'height') return;
  for (const fig of document.querySelectorAll('groklab-figure')) {
    if (fig.frame?.contentWindow === e.source && !fig.hasAttribute('height')) fig.frame.style.height = `${e.data.height}px`;
  }
});

if (!customElements.get('groklab-figure')) customElements.define('groklab-figure', GroklabFigure);
