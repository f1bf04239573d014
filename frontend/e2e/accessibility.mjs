// Accessibility checks of the browser suite: axe-core (the engine behind
// Lighthouse's and most audit tools' accessibility checks) run on a page as
// it stands, against WCAG 2.1 A and AA, and the student flow by keyboard
// alone.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Every state checked so far, with its count of violations: for the summary line. */
export const checkedStates = [];

/**
 * Runs axe-core on `page` as it is now and fails on any WCAG 2.1 A or AA
 * violation, naming each rule and the elements that break it.
 */
export async function assertAccessible(page, state) {
  // Evaluated through the DevTools protocol, so the page's own script
  // policy does not apply to the checker.
  const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (tags) => {
    const results = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return results.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`),
    }));
  }, WCAG_21_AA);
  checkedStates.push({ state, violations: violations.length });
  const report = violations
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n      ${v.nodes.join('\n      ')}`)
    .join('\n    ');
  assert.equal(violations.length, 0, `${state}: ${violations.length} WCAG 2.1 AA violation(s)\n    ${report}`);
}

/** What has focus, as a short description for messages. */
export async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'body';
    const name = el.getAttribute('aria-label') || el.textContent?.trim().slice(0, 40) || '';
    return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}[${name}]`;
  });
}

/**
 * Presses Tab (up to `limit` times) until the focused element matches
 * `test` (run in the page with the element), and returns how many presses.
 */
export async function tabUntil(page, test, what, limit = 60) {
  for (let presses = 1; presses <= limit; presses += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(test)) return presses;
  }
  throw new Error(`${limit} presses of Tab never reached ${what}; focus is on ${await focused(page)}`);
}
