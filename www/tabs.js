// The views below the curves, one at a time: the inside views, the phase diagram and the
// landscape simulator are tabs, so the curves and the view a reader chose fit one screen. The
// tab shown is the link's `tab`; a link without one opens on the view its keys are about (the
// landscape's or a sweep's settings), else on the inside views.

/** The tabs, by their link name: each is the section with that id. */
export const TABS = ['inside', 'sweep', 'landscape'];

/** Check the link's `tab`: a tab that does not exist is named in `problems` and dropped. */
export function checkTab(page, problems) {
  if (page.tab !== undefined && !TABS.includes(page.tab)) {
    problems.push(`tab = ${page.tab}: must be ${TABS.slice(0, -1).join(', ')} or ${TABS.at(-1)}`);
    delete page.tab;
  }
}

/** The tab a link's page options open on. */
export function tabOf(page) {
  if (TABS.includes(page.tab)) return page.tab;
  const keys = Object.keys(page);
  if (keys.some((k) => k.startsWith('landscape.'))) return 'landscape';
  if (keys.some((k) => k.startsWith('sweep.'))) return 'sweep';
  return 'inside';
}

/** Show tab `name` and hide the others; `null` shows every section (a figure picks its own). */
export function showTab(doc, name) {
  for (const tab of TABS) {
    const button = doc.getElementById(`tab-${tab}`);
    const selected = tab === name;
    button.setAttribute('aria-selected', String(selected));
    button.tabIndex = selected || name === null ? 0 : -1;
    doc.getElementById(tab).hidden = name !== null && !selected;
  }
  // Charts drawn while hidden take their width when shown.
  if (name !== null) window.dispatchEvent(new Event('resize'));
}

/** Call `onChoose(name)` when the reader picks a tab: a click, or the arrow keys on the tab list. */
export function wireTabs(doc, onChoose) {
  const list = doc.querySelector('.view-tabs');
  list.addEventListener('click', (e) => {
    const tab = e.target.closest('[role=tab]')?.dataset.tab;
    if (tab) onChoose(tab);
  });
  list.addEventListener('keydown', (e) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
    if (!step) return;
    const at = TABS.indexOf(doc.activeElement?.dataset.tab);
    if (at < 0) return;
    const next = TABS[(at + step + TABS.length) % TABS.length];
    onChoose(next);
    doc.getElementById(`tab-${next}`).focus();
  });
}
