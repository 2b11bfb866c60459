// Lessons as the page opens them: lessons/NAME.json read for the link's `lesson` and checked
// (lesson.js has the rules), and the header's list of lessons. The files sit beside the page.

import { LESSON_NAME, lessonProblems } from './lesson.js';

/** The lesson of the link (`lesson`, `lesson.step`), read from lessons/NAME.json (kept in
 * `cache` by name) and checked against the schema's `settingKeys`; what goes wrong is added
 * to `problems` and the page opens without it. */
export async function openLesson(page, settingKeys, problems, cache) {
  if (page.lesson === undefined) return null;
  const name = page.lesson;
  const fail = (why) => {
    problems.push(`lesson = ${name}: ${why}`);
    delete page.lesson;
    delete page['lesson.step'];
    return null;
  };
  if (!LESSON_NAME.test(name)) return fail('a lesson name is lower-case words joined by dashes');
  let lesson = cache[name];
  if (!lesson) {
    try {
      const response = await fetch(new URL(`../lessons/${name}.json`, import.meta.url));
      if (!response.ok) return fail(`there is no such lesson (${response.status})`);
      lesson = await response.json();
    } catch (e) {
      return fail(`the lesson file could not be read (${e.message})`);
    }
    const wrong = lessonProblems(lesson, settingKeys);
    if (wrong.length) return fail(`the lesson file has mistakes: ${wrong.join('; ')}`);
    cache[name] = lesson;
  }
  let number = Number(page['lesson.step'] ?? 1);
  if (!Number.isInteger(number) || number < 1 || number > lesson.steps.length) {
    problems.push(`lesson.step = ${page['lesson.step']}: this lesson has steps 1 to ${lesson.steps.length}`);
    number = 1;
  }
  page['lesson.step'] = String(number);
  return { lesson, number, step: lesson.steps[number - 1] };
}

/** Fill the header's list of lessons from lessons/index.json; a page without it lists none. */
export function listLessons(list) {
  fetch(new URL('../lessons/index.json', import.meta.url)).then((r) => (r.ok ? r.json() : [])).then((lessons) => {
    list.replaceChildren(...lessons.map(({ name, title }) => {
      const li = document.createElement('li');
      li.append(Object.assign(document.createElement('a'), { href: `#lesson=${name}`, textContent: title }));
      return li;
    }));
  }).catch(() => {});
}
