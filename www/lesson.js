// Lessons: guided exercises a teacher writes as one JSON file in lessons/ (format in the
// README, "Writing a lesson"). Pure functions, no DOM: reading and checking a lesson file, and
// judging a step's check on a run — its config leaves, its records and its summary.
//
// A check is one condition or {"all": [...]} / {"any": [...]} of conditions:
//   {"reach": FIELD, "at_least": X, "by_step": N}   some record up to step N has FIELD ≥ X
//   {"reach": FIELD, "at_most": X, "by_step": N}    … has FIELD ≤ X (by_step optional)
//   {"stay": FIELD, "below": X, "until_step": N}    the run got to step N and FIELD < X all along
//   {"stay": FIELD, "above": X, "until_step": N}    … FIELD > X all along
//   {"setting": KEY, "at_least": X, "at_most": Y}   the run's setting KEY is in range
//   {"setting": KEY, "is": VALUE}                   … equals VALUE
//   {"phase": NAME}                                 Liu's phase of the run (comprehension,
//                                                   grokking, memorization, confusion)
// FIELD is any number on a record: train_acc, test_acc, train_loss, test_loss, or a measure
// of the snapshot steps (key_share, gini, periodic_neurons, rqi, ntk_entropy, …).

/** Lesson names are file names: lower-case words joined by dashes. */
export const LESSON_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const PHASES = ['comprehension', 'grokking', 'memorization', 'confusion'];

/** What is wrong with a lesson file (empty when it can be used). `settings` are the
 * setting keys a step may let the student touch. */
export function lessonProblems(lesson, settings) {
  const problems = [];
  if (typeof lesson?.title !== 'string' || !lesson.title) problems.push('title: a non-empty string is required');
  if (!Array.isArray(lesson?.steps) || !lesson.steps.length) return [...problems, 'steps: a non-empty list is required'];
  lesson.steps.forEach((step, i) => {
    const at = `steps[${i}]`;
    if (typeof step.text !== 'string' || !step.text) problems.push(`${at}.text: a non-empty string is required`);
    if (typeof step.link !== 'string') problems.push(`${at}.link: a link's settings (as after # in a link) are required`);
    if (!Array.isArray(step.controls)) problems.push(`${at}.controls: a list of setting keys is required`);
    else for (const key of step.controls) if (!settings.includes(key)) problems.push(`${at}.controls: ${key} is not a setting`);
    problems.push(...checkProblems(step.check, `${at}.check`));
  });
  return problems;
}

function checkProblems(check, at) {
  if (!check || typeof check !== 'object') return [`${at}: a condition is required`];
  for (const group of ['all', 'any']) {
    if (group in check) {
      if (!Array.isArray(check[group]) || !check[group].length) return [`${at}.${group}: a non-empty list is required`];
      return check[group].flatMap((c, i) => checkProblems(c, `${at}.${group}[${i}]`));
    }
  }
  const num = (k) => (k in check && typeof check[k] !== 'number' ? [`${at}.${k}: a number is required`] : []);
  const problems = ['at_least', 'at_most', 'below', 'above', 'by_step', 'until_step'].flatMap(num);
  if ('reach' in check) {
    if (!('at_least' in check) && !('at_most' in check)) problems.push(`${at}: reach needs at_least or at_most`);
  } else if ('stay' in check) {
    if (!('below' in check) && !('above' in check)) problems.push(`${at}: stay needs below or above`);
    if (!('until_step' in check)) problems.push(`${at}: stay needs until_step`);
  } else if ('setting' in check) {
    if (!('at_least' in check) && !('at_most' in check) && !('is' in check)) problems.push(`${at}: setting needs is, at_least or at_most`);
  } else if ('phase' in check) {
    if (!PHASES.includes(check.phase)) problems.push(`${at}.phase: one of ${PHASES.join(', ')}`);
  } else {
    problems.push(`${at}: one of reach, stay, setting, phase, all, any is required`);
  }
  return problems;
}

const steps = (n) => Number(n).toLocaleString('en');
const shown = (field, x) => (/_acc$/.test(field) ? `${+(x * 100).toFixed(1)} %` : String(x));
const label = (field) => field.replace(/_acc$/, ' accuracy').replace(/_/g, ' ');

/**
 * Judge a check on a run: `{passed, parts: [{text, passed}]}`, one part per condition, said in
 * words the student reads. `run` is {settings: Map key → string value, records, summary}.
 */
export function judge(check, run) {
  if (check.all || check.any) {
    const parts = (check.all || check.any).flatMap((c) => judge(c, run).parts);
    const passed = check.all ? parts.every((p) => p.passed) : parts.some((p) => p.passed);
    return { passed, parts };
  }
  const part = condition(check, run);
  return { passed: part.passed, parts: [part] };
}

function condition(c, { settings, records, summary }) {
  const value = (r, f) => (typeof r[f] === 'number' && Number.isFinite(r[f]) ? r[f] : null);
  if ('reach' in c) {
    const upTo = records.filter((r) => c.by_step === undefined || r.step <= c.by_step);
    const hit = upTo.find((r) => {
      const v = value(r, c.reach);
      return v !== null && (c.at_least === undefined || v >= c.at_least) && (c.at_most === undefined || v <= c.at_most);
    });
    const goal = c.at_least !== undefined ? `≥ ${shown(c.reach, c.at_least)}` : `≤ ${shown(c.reach, c.at_most)}`;
    const when = c.by_step !== undefined ? ` by step ${steps(c.by_step)}` : '';
    return { text: `${label(c.reach)} ${goal}${when}${hit ? ` (at step ${steps(hit.step)})` : ''}`, passed: !!hit };
  }
  if ('stay' in c) {
    const upTo = records.filter((r) => r.step <= c.until_step);
    const bad = upTo.find((r) => {
      const v = value(r, c.stay);
      return v !== null && ((c.below !== undefined && v >= c.below) || (c.above !== undefined && v <= c.above));
    });
    const reached = records.length && records.at(-1).step >= c.until_step;
    const goal = c.below !== undefined ? `below ${shown(c.stay, c.below)}` : `above ${shown(c.stay, c.above)}`;
    const why = bad ? ` (not at step ${steps(bad.step)})` : reached ? '' : ' (train on)';
    return { text: `${label(c.stay)} stays ${goal} until step ${steps(c.until_step)}${why}`, passed: !bad && !!reached };
  }
  if ('setting' in c) {
    const raw = settings.get(c.setting);
    const v = Number(raw);
    let passed = raw !== undefined;
    if (c.is !== undefined) passed &&= raw === String(c.is);
    if (c.at_least !== undefined) passed &&= v >= c.at_least;
    if (c.at_most !== undefined) passed &&= v <= c.at_most;
    const goal = c.is !== undefined ? `= ${c.is}` : [c.at_least !== undefined && `≥ ${c.at_least}`, c.at_most !== undefined && `≤ ${c.at_most}`].filter(Boolean).join(' and ');
    return { text: `${c.setting} ${goal} (now ${raw ?? 'not set'})`, passed };
  }
  const phase = summary?.phase ?? null;
  return { text: `the run's phase is ${c.phase}${phase ? ` (now ${phase})` : ''}`, passed: phase === c.phase };
}
