// The browser tests: the built app, served by the static node (nginx), in
// headless Chromium, against the three real services. Each step prints
// `ok - ...` or `not ok - ...`; screenshots of what a person sees go to
// target/e2e/. Exits non-zero when a step fails.
//
//   node frontend/e2e/run.mjs        (after `make build`; `make e2e` does both)

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

import { assertAccessible, checkedStates, tabUntil } from './accessibility.mjs';
import { Cluster } from './cluster.mjs';
import { replicatedSteps } from './replicated.mjs';
import { slowNetworkSteps } from './slow_network.mjs';

// `--figures-only`: sign in and measure, for `make bench`; no fault steps.
const figuresOnly = process.argv.includes('--figures-only');
// The replicated deployment's step alone (it needs neither the local nodes nor the steps before it).
const replicatedOnly = process.argv.includes('--replicated-only');
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(repo, 'target', 'e2e');
mkdirSync(out, { recursive: true });

const PASSWORD = 'demo-password-1';
const NEW_PASSWORD = 'violet-harbor-lantern-42';
const TEMPORARY_PASSWORD = 'copper-meadow-whistle-7';
const CS201 = '00000000-0000-4000-8000-000000000102';
const MATH120 = '00000000-0000-4000-8000-000000000104';
const HIST210 = '00000000-0000-4000-8000-000000000105';
const PHYS101 = '00000000-0000-4000-8000-000000000103';
const SAM = '00000000-0000-4000-8000-000000000021';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const cluster = new Cluster(repo);
const contexts = [];
const profiles = [];
let failures = 0;
let shot = 0;

async function step(name, body) {
  try {
    await body();
    console.log(`ok - ${name}`);
  } catch (error) {
    failures += 1;
    console.log(`not ok - ${name}\n  ${String(error && error.stack || error).split('\n').slice(0, 6).join('\n  ')}`);
    // What every open page showed when the step failed.
    for (const [n, context] of contexts.entries()) {
      const page = context.pages()[0];
      if (page) await screenshot(page, `failed-page-${n}`).catch(() => {});
    }
  }
}

async function screenshot(page, name, { fullPage = true } = {}) {
  shot += 1;
  const file = join(out, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage });
}

/** A browser profile of its own (fresh user-data dir), so sessions never mix. */
async function newPage(viewport = { width: 1280, height: 900 }, extraArgs = []) {
  const profile = mkdtempSync(join(tmpdir(), 'enroll-e2e-profile-'));
  profiles.push(profile);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    viewport,
  });
  contexts.push(context);
  const page = context.pages()[0] || (await context.newPage());
  page.pageErrors = [];
  page.on('pageerror', (error) => page.pageErrors.push(String(error)));
  // When the first catalogue row appears, measured from navigation start.
  await context.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.querySelector('section[data-panel=catalogue] tr[data-course-code]')) {
        window.__catalogueShownAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  return page;
}

function assertNoPageErrors(page) {
  assert.deepEqual(page.pageErrors, [], 'the app raised errors (a panic shows here)');
}

async function signIn(page, email, password = PASSWORD) {
  await page.goto(cluster.urls.web);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor({ timeout: 10_000 });
}

/**
 * Reloads `page` until its session is refused and sign-in shows: an ended
 * session reaches every service within its pull interval (3 s), so this
 * gives it 15 s.
 */
async function untilSignedOut(page) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    await page.reload();
    const signedOut = await page.getByLabel('Email').waitFor({ timeout: 2_500 }).then(() => true, () => false);
    if (signedOut) return;
    assert.ok(Date.now() < deadline, 'the ended session was still accepted after 15 s');
  }
}

const panel = (page, name) => page.locator(`section[data-panel="${name}"]`);

async function expectPanelState(page, name, state, timeout = 10_000) {
  await page.waitForSelector(`section[data-panel="${name}"][data-state="${state}"]`, { timeout });
}

async function api(service, method, path, token, body) {
  const response = await fetch(`${cluster.urls[service]}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function login(email, password = PASSWORD) {
  const { status, body } = await api('auth', 'POST', '/auth/login', null, { email, password });
  assert.equal(status, 200, `login of ${email}`);
  return body.token;
}

async function main() {
  if (replicatedOnly) {
    await replicatedSteps({ step, newPage, panel, expectPanelState, screenshot, assertNoPageErrors, PASSWORD }, repo);
    return;
  }
  await cluster.start();
  console.log(`system up: app ${cluster.urls.web}`);
  const student = await newPage();

  await step('student signs in and sees the catalogue', async () => {
    await student.goto(cluster.urls.web);
    await student.getByLabel('Email').waitFor();
    await screenshot(student, 'sign-in');
    await assertAccessible(student, 'signed out: the sign-in form');
    await signIn(student, 'student@example.edu');
    await expectPanelState(student, 'catalogue', 'ready');
    await expectPanelState(student, 'my-courses', 'ready');
    await expectPanelState(student, 'my-grades', 'ready');
    const seats = await panel(student, 'catalogue').locator('tr[data-course-code="HIST210"] [data-testid=seats]').textContent();
    assert.equal(seats, '1 of 2 seats left');
    const credits = await panel(student, 'catalogue').locator('tr[data-course-code="HIST210"] .credits').textContent();
    assert.equal(credits, '3 credits');
    await screenshot(student, 'student-dashboard');
    await assertAccessible(student, 'student dashboard');
    assertNoPageErrors(student);
  });

  if (!figuresOnly) {
    await step('a student past the credit limit is refused with the server message', async () => {
      // The demo term's limit is 18: a limit of 6 for Sam (set by the
      // admin, with a reason) leaves no room beside CS101 and MATH120 (3
      // credits each), which Sam holds.
      const admin = await login('admin@example.edu');
      const terms = await api('courses', 'GET', '/terms', admin);
      const current = terms.body.find((t) => t.current);
      assert.equal(current.code, 'DEMO');
      const limit = `/terms/${current.id}/students/${SAM}/credit-limit`;
      const set = await api('courses', 'PUT', limit, admin, { max_credits: 6, reason: 'Part-time this term' });
      assert.equal(set.status, 200);
      await student.getByRole('button', { name: 'Enroll in CS201' }).click();
      const message = student.locator('[data-testid=catalogue-message][data-kind=error]');
      await message.waitFor();
      assert.match(await message.textContent(), /past your limit of 6 for the term: you hold 6\./);
      await screenshot(student, 'credit-limit');
      assert.equal((await api('courses', 'PUT', limit, admin, { max_credits: null })).status, 200);
    });

    await step('a course meeting at the same time as one held is refused, naming it', async () => {
      // CS201 moved onto Monday morning, where Sam has CS101.
      const admin = await login('admin@example.edu');
      const week = `/courses/${CS201}/meetings`;
      const before = (await api('courses', 'GET', `/courses/${CS201}`, admin)).body.meetings;
      const moved = await api('courses', 'PUT', week, admin, [{ day: 'mon', starts: '09:30', ends: '10:30', room: 'B-201' }]);
      assert.equal(moved.status, 200);
      await student.getByRole('button', { name: 'Enroll in CS201' }).click();
      const message = student.locator('[data-testid=catalogue-message][data-kind=error]', { hasText: 'CS101' });
      await message.waitFor();
      assert.equal(
        await message.textContent(),
        'This course meets at the same time as CS101 (Mon 09:00–10:15), which you hold.',
      );
      await screenshot(student, 'schedule-conflict');
      assert.equal((await api('courses', 'PUT', week, admin, before)).status, 200);
      const shown = panel(student, 'catalogue').locator('tr[data-course-code="CS101"] .meets');
      assert.equal(await shown.textContent(), 'Mon 09:00–10:15, Wed 09:00–10:15 (B-201)');
    });

    await step('student enrolls in CS201 and sees it in my courses', async () => {
      await student.getByRole('button', { name: 'Enroll in CS201' }).click();
      const message = student.getByTestId('catalogue-message').filter({ hasText: 'Enrolled' });
      await message.waitFor();
      assert.equal(await message.textContent(), 'Enrolled in CS201.');
      await panel(student, 'my-courses').locator('li[data-course-code="CS201"]').waitFor({ timeout: 5_000 });
      await panel(student, 'catalogue').locator('tr[data-course-code="CS201"]').getByText('Enrolled').waitFor();
      await screenshot(student, 'student-enrolled');
    });

    await step('a course that filled up meanwhile refuses with the server message', async () => {
      // Someone else takes the last seat of HIST210 while the page shows it open.
      const admin = await login('admin@example.edu');
      const created = await api('auth', 'POST', '/auth/users', admin, {
        email: 'lin@example.edu', name: 'Lin Chen', password: 'a long pass phrase', roles: ['student'],
      });
      assert.equal(created.status, 201);
      const lin = await login('lin@example.edu', 'a long pass phrase');
      assert.equal((await api('courses', 'POST', `/courses/${HIST210}/enrollment`, lin)).status, 201);
      const sam = await login('student@example.edu');
      const refused = await api('courses', 'POST', `/courses/${HIST210}/enrollment`, sam);
      // (The API call above is refused too: that is the message the page must show.)
      assert.equal(refused.status, 409);
      await student.getByRole('button', { name: 'Enroll in HIST210' }).click();
      const message = student.locator('[data-testid=catalogue-message][data-kind=error]');
      await message.waitFor();
      assert.equal(await message.textContent(), refused.body.message);
      await panel(student, 'catalogue').locator('tr[data-course-code="HIST210"]').getByText('Full').waitFor();
      await screenshot(student, 'course-full');
    });

    await step('a student waits for a full course and gets the seat a drop frees', async () => {
      // HIST210 is full (Kim and Lin). Sam joins its waitlist from the catalogue.
      await student.getByRole('button', { name: 'Join waitlist for HIST210' }).click();
      const message = student.getByTestId('catalogue-message').filter({ hasText: 'waitlist' });
      await message.waitFor();
      assert.equal(await message.textContent(), 'On the waitlist for HIST210: number 1 in line.');
      const mine = panel(student, 'my-courses');
      await mine.locator('li[data-waitlist-code="HIST210"]').getByText('number 1 in line').waitFor({ timeout: 5_000 });
      await panel(student, 'catalogue').locator('tr[data-course-code="HIST210"]').getByText('On the waitlist').waitFor();
      await screenshot(student, 'waitlisted');
      // Lin drops: in that same transaction the seat goes to Sam.
      const lin = await login('lin@example.edu', 'a long pass phrase');
      assert.equal((await api('courses', 'DELETE', `/courses/${HIST210}/enrollment`, lin)).status, 204);
      await student.reload();
      await expectPanelState(student, 'my-courses', 'ready');
      await mine.locator('li[data-course-code="HIST210"]').waitFor();
      assert.equal(await mine.locator('li[data-waitlist-code]').count(), 0);
      await screenshot(student, 'promoted-from-waitlist');
      // Back as it was for the steps after: Sam drops, Lin takes the seat again.
      await mine.getByRole('button', { name: 'Drop HIST210' }).click();
      await mine.getByTestId('my-courses-message').getByText('Dropped HIST210.').waitFor();
      assert.equal((await api('courses', 'POST', `/courses/${HIST210}/enrollment`, lin)).status, 201);
    });

    await step('a second section shows in the catalogue, and holding one section refuses another', async () => {
      // The admin adds section 02 of MATH120 (which Sam holds), at another time.
      const admin = await login('admin@example.edu');
      const added = await api('courses', 'POST', `/courses/${MATH120}/sections`, admin, {
        section: '02', capacity: 20, teacher_id: '00000000-0000-4000-8000-000000000011', teacher_name: 'Grace Hopper',
      });
      assert.equal(added.status, 201);
      assert.equal(added.body.title, 'Linear Algebra');
      const week = [{ day: 'fri', starts: '09:00', ends: '11:00', room: 'M-4' }];
      assert.equal((await api('courses', 'PUT', `/courses/${added.body.id}/meetings`, admin, week)).status, 200);
      await student.reload();
      await expectPanelState(student, 'catalogue', 'ready');
      const row = panel(student, 'catalogue').locator('tr[data-course-code="MATH120"][data-section="02"]');
      await row.getByText('Section 02').waitFor({ timeout: 10_000 });
      assert.equal(await row.locator('.meets').textContent(), 'Fri 09:00–11:00 (M-4)');
      await row.getByRole('button', { name: 'Enroll in MATH120 section 02' }).click();
      const message = student.locator('[data-testid=catalogue-message][data-kind=error]', { hasText: 'MATH120' });
      await message.waitFor();
      assert.equal(
        await message.textContent(),
        'You hold section 01 of MATH120: drop it to take another section of the course.',
      );
      await screenshot(student, 'second-section');
      // Archived, so that the steps after see the demo catalogue.
      const archived = await api('courses', 'PATCH', `/courses/${added.body.id}`, admin, { archived: true });
      assert.equal(archived.status, 200);
      await row.waitFor({ state: 'detached', timeout: 10_000 });
    });

    await step('the student sees their week, and another term through the term picker', async () => {
      // Sam holds CS101 (Mon/Wed 09:00), MATH120 (Tue/Thu 09:00) and CS201 (Tue/Thu 10:30).
      const week = panel(student, 'my-courses').getByTestId('timetable');
      await week.waitFor();
      assert.deepEqual(
        await week.locator('td[data-day="Tue"] li .code').allTextContents(),
        ['MATH120', 'CS201'],
      );
      assert.match(await week.locator('td[data-day="Mon"]').textContent(), /09:00–10:15CS101B-201/);
      assert.equal(await week.locator('td[data-day="Fri"] li').count(), 0);
      // The same week for the student's own calendar application.
      const [download] = await Promise.all([
        student.waitForEvent('download'),
        panel(student, 'my-courses').getByRole('button', { name: 'Add to my calendar (.ics)' }).click(),
      ]);
      assert.equal(download.suggestedFilename(), 'my-courses.ics');
      const ics = readFileSync(await download.path(), 'utf8');
      assert.match(ics, /^BEGIN:VCALENDAR\r\n/);
      assert.equal(ics.match(/BEGIN:VEVENT/g).length, 6, ics);
      assert.match(ics, /SUMMARY:CS101 Introduction to Programming\r\n/);
      assert.match(ics, /RRULE:FREQ=WEEKLY;UNTIL=\d{8}T235900\r\n/);
      // A term whose registration opens tomorrow, with one course.
      const admin = await login('admin@example.edu');
      const day = 86_400_000;
      const created = await api('courses', 'POST', '/terms', admin, {
        code: 'NEXT-1', title: 'Next term',
        starts_on: new Date(Date.now() + 30 * day).toISOString().slice(0, 10),
        ends_on: new Date(Date.now() + 120 * day).toISOString().slice(0, 10),
        registration_opens_at: new Date(Date.now() + day).toISOString(),
        add_drop_closes_at: new Date(Date.now() + 40 * day).toISOString(),
      });
      assert.equal(created.status, 201);
      const course = await api('courses', 'POST', '/courses', admin, {
        code: 'FUT101', title: 'Futures', capacity: 10, term_id: created.body.id,
        teacher_id: '00000000-0000-4000-8000-000000000011', teacher_name: 'Grace Hopper',
      });
      assert.equal(course.status, 201);
      await student.reload();
      await expectPanelState(student, 'catalogue', 'ready');
      const catalogue = panel(student, 'catalogue');
      await catalogue.getByLabel('Term').selectOption({ label: 'NEXT-1 Next term' });
      const future = catalogue.locator('tr[data-course-code="FUT101"]');
      await future.waitFor({ timeout: 10_000 });
      assert.equal(await catalogue.locator('tr[data-course-code="CS101"]').count(), 0);
      assert.match(student.url(), /term=NEXT-1/);
      await future.getByRole('button', { name: 'Enroll in FUT101' }).click();
      const message = student.locator('[data-testid=catalogue-message][data-kind=error]', { hasText: 'NEXT-1' });
      await message.waitFor();
      assert.match(await message.textContent(), /^Registration for NEXT-1 opens at \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/);
      await screenshot(student, 'another-term');
      await catalogue.getByLabel('Term').selectOption({ label: 'DEMO Demo term (current)' });
      await catalogue.locator('tr[data-course-code="CS101"]').waitFor({ timeout: 10_000 });
      assert.equal(await catalogue.locator('tr[data-course-code="FUT101"]').count(), 0);
      assert.doesNotMatch(student.url(), /term=/);
    });

    await step('the student view works at phone width', async () => {
      await student.setViewportSize({ width: 390, height: 844 });
      await expectPanelState(student, 'catalogue', 'ready');
      const overflow = await student.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px at phone width`);
      // Every row's action (Enroll, Full and Join, Enrolled) is on screen,
      // not behind a sideways scroll of the table.
      const offScreen = await student.evaluate(() => [...document.querySelectorAll(
        'section[data-panel=catalogue] td.action > *')]
        .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
        .map((el) => el.textContent));
      assert.deepEqual(offScreen, [], 'catalogue actions off screen at phone width');
      await screenshot(student, 'student-phone');
      await assertAccessible(student, 'student dashboard at phone width');
      await student.setViewportSize({ width: 1280, height: 900 });
    });

    await step('an open catalogue follows seat changes without loading the catalogue again', async () => {
      await student.reload();
      await expectPanelState(student, 'catalogue', 'ready');
      const selector = 'section[data-panel=catalogue] tr[data-course-code="MATH120"] [data-testid=seats]';
      const seatsLeft = async () => Number.parseInt(await student.locator(selector).textContent(), 10);
      const before = await seatsLeft();
      const asked = [];
      const record = (request) => {
        if (request.method() === 'GET') asked.push(new URL(request.url()).pathname);
      };
      student.on('request', record);
      try {
        const other = await login('student2@example.edu');
        // Someone else takes a seat, then gives it back: the open tab follows both.
        for (const [method, expected] of [['POST', before - 1], ['DELETE', before]]) {
          const started = Date.now();
          const answer = await api('courses', method, `/courses/${MATH120}/enrollment`, other);
          assert.ok(answer.status < 300, `${method}: ${answer.status}`);
          await student.waitForFunction(
            ([sel, seats]) => Number.parseInt(document.querySelector(sel)?.textContent, 10) === seats,
            [selector, expected],
            { timeout: 5_000 },
          );
          console.log(`  ${method === 'POST' ? 'a seat taken' : 'a seat given back'} elsewhere shows in the open tab after ${Date.now() - started} ms`);
        }
        await screenshot(student, 'live-seats');
      } finally {
        student.off('request', record);
      }
      assert.ok(asked.includes('/courses/seats'), `the tab asked for ${asked.join(', ')}`);
      assert.ok(!asked.includes('/courses'), 'the tab loaded the whole catalogue again');
      assertNoPageErrors(student);
    });

    await step('a seat change the tab heard is kept when the catalogue loads again long after', async () => {
      // The row is drawn once and kept across loads; the seat feed repeats
      // only the last 10 s. A change older than that when the catalogue
      // next loads must show the new catalogue's count, not the one the
      // row was first drawn with.
      await student.reload();
      await expectPanelState(student, 'catalogue', 'ready');
      const selector = 'section[data-panel=catalogue] tr[data-course-code="MATH120"] [data-testid=seats]';
      const seatsLeft = async () => Number.parseInt(await student.locator(selector).textContent(), 10);
      const before = await seatsLeft();
      const other = await login('student2@example.edu');
      const sam = await login('student@example.edu');
      assert.equal((await api('courses', 'POST', `/courses/${MATH120}/enrollment`, other)).status, 201);
      try {
        await student.waitForFunction(
          ([sel, seats]) => Number.parseInt(document.querySelector(sel)?.textContent, 10) === seats,
          [selector, before - 1],
          { timeout: 5_000 },
        );
        await student.waitForTimeout(11_000);
        // A write of the student's loads the catalogue again: joining a full list.
        await student.getByRole('button', { name: 'Join waitlist for HIST210' }).click();
        await panel(student, 'catalogue').locator('tr[data-course-code="HIST210"]').getByText('On the waitlist').waitFor();
        assert.equal(await seatsLeft(), before - 1, 'right after the catalogue loaded again');
        // And after a poll of the seat feed, which no longer repeats it.
        await student.waitForTimeout(4_000);
        assert.equal(await seatsLeft(), before - 1, 'after the next poll');
      } finally {
        await api('courses', 'DELETE', `/courses/${HIST210}/waitlist`, sam);
        await api('courses', 'DELETE', `/courses/${MATH120}/enrollment`, other);
      }
      await student.reload();
      await expectPanelState(student, 'catalogue', 'ready');
      assertNoPageErrors(student);
    });

    await step('the catalogue searches and filters as the student types, and the address keeps the view', async () => {
      const catalogue = panel(student, 'catalogue');
      const codes = () => catalogue.locator('tr[data-course-code]').evaluateAll((rows) => rows.map((r) => r.dataset.courseCode));
      await catalogue.getByLabel('Search courses').fill('turing');
      await catalogue.getByTestId('catalogue-count').getByText('Showing 1–2 of 2 courses').waitFor();
      assert.deepEqual(await codes(), ['HIST210', 'MATH120']);
      // HIST210 filled up in an earlier step.
      await catalogue.getByLabel('Open seats only').check();
      await catalogue.getByTestId('catalogue-count').getByText('Showing 1–1 of 1 course').waitFor();
      assert.deepEqual(await codes(), ['MATH120']);
      await catalogue.getByLabel('Sort by').selectOption('title');
      await student.waitForURL(/\?q=turing&open=true&sort=title$/);
      await screenshot(student, 'catalogue-searched');
      await student.reload();
      await expectPanelState(student, 'catalogue', 'ready');
      assert.equal(await catalogue.getByLabel('Search courses').inputValue(), 'turing');
      assert.ok(await catalogue.getByLabel('Open seats only').isChecked());
      assert.equal(await catalogue.getByLabel('Sort by').inputValue(), 'title');
      assert.deepEqual(await codes(), ['MATH120']);
      await catalogue.getByLabel('Search courses').fill('underwater basket weaving');
      await catalogue.getByText('No course matches this search.').waitFor();
      await assertAccessible(student, 'a catalogue search with no match');
      await catalogue.getByLabel('Search courses').fill('');
      await catalogue.getByLabel('Open seats only').uncheck();
      await catalogue.getByLabel('Sort by').selectOption('code');
      await catalogue.getByTestId('catalogue-count').getByText('Showing 1–5 of 5 courses').waitFor();
      assert.equal(new URL(student.url()).search, '', 'the default view has a plain address');
      assertNoPageErrors(student);
    });

    await step('a busy auth: the sign-in form says so, counts down, and signs in by itself', async () => {
      const page = await newPage();
      // Auth's own answers when its sign-in queue is full and when an
      // account has had too many attempts, given to the first two attempts
      // at the browser's network layer (a full queue takes a storm: auth's
      // tests and the chaos suite make those); the third reaches auth.
      const refusals = [
        { status: 503, retryAfter: 2, error: 'auth_busy', message: 'Many people are signing in right now; try again in 2 seconds.' },
        { status: 429, retryAfter: 1, error: 'too_many_attempts', message: 'Too many sign-in attempts for this account from here; try again in 1 seconds.' },
      ];
      const attempts = [];
      await page.route('**/auth/login', async (route) => {
        if (route.request().method() !== 'POST') return route.continue();
        attempts.push(Date.now());
        const refusal = refusals[attempts.length - 1];
        if (!refusal) return route.continue();
        return route.fulfill({
          status: refusal.status,
          contentType: 'application/json',
          headers: {
            'retry-after': String(refusal.retryAfter),
            'access-control-allow-origin': '*',
            'access-control-expose-headers': 'retry-after',
          },
          body: JSON.stringify({ error: refusal.error, message: refusal.message }),
        });
      });
      await page.goto(cluster.urls.web);
      await page.getByLabel('Email').fill('student2@example.edu');
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const notice = page.getByTestId('signin-queued');
      await notice.getByText('Many people are signing in right now').waitFor({ timeout: 5_000 });
      assert.match(await notice.textContent(), /tries again by itself in \d seconds?\./);
      assert.ok(await page.getByRole('button', { name: 'Waiting to try again…' }).isDisabled(), 'the button invites another press');
      assert.equal(await page.getByTestId('signin-error').count(), 0, 'a busy auth was shown as an error');
      await screenshot(page, 'signin-busy', { fullPage: false });
      await assertAccessible(page, 'sign-in waiting out a busy auth');
      await notice.getByText('too many sign-in attempts for this account').waitFor({ timeout: 10_000 });
      await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor({ timeout: 10_000 });
      assert.equal(attempts.length, 3, `${attempts.length} attempts`);
      assert.ok(attempts[1] - attempts[0] >= 2_000, `the form tried again after ${attempts[1] - attempts[0]} ms, before Retry-After`);
      assert.ok(attempts[2] - attempts[1] >= 1_000, `the form tried again after ${attempts[2] - attempts[1]} ms, before Retry-After`);
      assertNoPageErrors(page);
      await page.context().close();
    });

    await step('the student flow by keyboard alone: sign in, search, enroll, drop; focus follows each action', async () => {
      const page = await newPage();
      await page.goto(cluster.urls.web);
      await page.getByLabel('Email').waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'email', 'the email field has focus on arrival');
      await page.keyboard.type('student2@example.edu');
      await page.keyboard.press('Tab');
      await page.keyboard.type(PASSWORD);
      await page.keyboard.press('Enter');
      await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor({ timeout: 10_000 });
      // Signed in: focus is on the page's heading, where reading starts.
      await page.waitForFunction(() => document.activeElement?.classList.contains('page-title'), null, { timeout: 5_000 });
      await expectPanelState(page, 'catalogue', 'ready');
      await tabUntil(page, () => document.activeElement?.id === 'catalogue-q', 'the catalogue search');
      await page.keyboard.type('PHYS101');
      await panel(page, 'catalogue').getByTestId('catalogue-count').getByText('Showing 1–1 of 1 course').waitFor();
      await tabUntil(page, () => document.activeElement?.getAttribute('aria-label') === 'Enroll in PHYS101', 'the Enroll button');
      await page.keyboard.press('Enter');
      await panel(page, 'catalogue').getByTestId('catalogue-message').getByText('Enrolled in PHYS101.').waitFor();
      await panel(page, 'my-courses').locator('li[data-course-code="PHYS101"]').waitFor();
      // The button became "Enrolled": focus is on the outcome, not lost.
      await page.waitForFunction(() => document.activeElement?.dataset.testid === 'catalogue-message', null, { timeout: 5_000 });
      await tabUntil(page, () => document.activeElement?.getAttribute('aria-label') === 'Drop PHYS101', 'the Drop button');
      await page.keyboard.press('Enter');
      await panel(page, 'my-courses').locator('li[data-course-code="PHYS101"]').waitFor({ state: 'detached' });
      await page.waitForFunction(() => document.activeElement?.dataset.testid === 'my-courses-message', null, { timeout: 5_000 });
      // Each outcome is inside a live region, so it is read out as it comes.
      const announced = await page.evaluate(() => ['catalogue-message', 'my-courses-message']
        .map((id) => Boolean(document.querySelector(`[data-testid=${id}]`)?.closest('[aria-live]'))));
      assert.deepEqual(announced, [true, true]);
      await screenshot(page, 'keyboard-flow');
      await assertAccessible(page, 'student after enrolling and dropping by keyboard');
      assertNoPageErrors(page);
      await page.context().close();
    });

    const teacher = await newPage();
    await step('teacher uploads a CSV: a bad row rejects it all, a good one is written', async () => {
      await signIn(teacher, 'teacher@example.edu');
      await expectPanelState(teacher, 'teaching', 'ready');
      const card = teacher.locator('article[data-course-code="CS201"]');
      await card.locator('[data-panel=class-grades][data-state=ready]').waitFor();
      await card.getByText('Upload grades as CSV').click();
      await card.getByLabel('CSV for CS201').fill(`student_id,grade\n${SAM},4.0\nnot-a-uuid,2.0\n`);
      await card.getByRole('button', { name: 'Upload CSV' }).click();
      const report = card.getByTestId('upload-report');
      await report.getByText('Nothing written: 1 of 2 rows rejected.').waitFor();
      assert.equal(await report.locator('tr[data-row-status=ok]').count(), 1);
      await screenshot(teacher, 'teacher-csv-rejected');
      await assertAccessible(teacher, 'teacher dashboard with an upload report');
      await card.getByLabel('CSV for CS201').fill(`student_id,grade\n${SAM},4.0\n`);
      await card.getByRole('button', { name: 'Upload CSV' }).click();
      await report.getByText('1 row written.').waitFor();
      assertNoPageErrors(teacher);
    });

    await step('teacher grades the student with the picker, and the student sees it', async () => {
      const card = teacher.locator('article[data-course-code="CS201"]');
      const row = card.locator('tr[data-student-name="Sam Rivera"]');
      await row.getByLabel('Grade for Sam Rivera').selectOption('3.0');
      await row.getByTestId('grade-status').getByText('Saved').waitFor();
      await screenshot(teacher, 'teacher-graded');
      await student.reload();
      const grade = panel(student, 'my-grades').locator('tr[data-course-code="CS201"] [data-testid=grade]');
      await grade.waitFor();
      assert.equal(await grade.textContent(), '3.0');
      await screenshot(student, 'student-sees-grade');
    });

    await step('teacher sees the grade distribution follow a save, and downloads the class as CSV', async () => {
      const card = teacher.locator('article[data-course-code="CS201"]');
      const count = async (grade) => Number(await card.locator(`[data-testid=grade-chart] g[data-grade="${grade}"]`).getAttribute('data-count'));
      const [threes, twos] = [await count('3.0'), await count('2.0')];
      assert.ok(threes >= 1, 'Sam\'s 3.0 is not in the chart');
      const row = card.locator('tr[data-student-name="Sam Rivera"]');
      await row.getByLabel('Grade for Sam Rivera').selectOption('2.0');
      await row.getByTestId('grade-status').getByText('Saved').waitFor();
      await teacher.waitForFunction(
        ([sel, n]) => document.querySelector(sel)?.dataset.count === String(n),
        ['article[data-course-code="CS201"] [data-testid=grade-chart] g[data-grade="2.0"]', twos + 1],
        { timeout: 5_000 },
      );
      assert.equal(await count('3.0'), threes - 1);
      await card.locator('[data-testid=grade-chart]').screenshot({ path: join(out, 'teacher-grade-chart.png') });
      await row.getByLabel('Grade for Sam Rivera').selectOption('3.0');
      await row.getByTestId('grade-status').getByText('Saved').waitFor();
      const [download] = await Promise.all([
        teacher.waitForEvent('download'),
        card.getByRole('button', { name: 'Download CSV of CS201 grades' }).click(),
      ]);
      assert.equal(download.suggestedFilename(), 'CS201-grades.csv');
      const csv = readFileSync(await download.path(), 'utf8');
      assert.match(csv, /^"student_id","student_name","grade"\n/);
      assert.ok(csv.includes(`"${SAM}","Sam Rivera","3.0"\n`), csv);
      await screenshot(teacher, 'teacher-chart-and-export');
      await assertAccessible(teacher, 'teacher with the grade chart');
      assertNoPageErrors(teacher);
    });

    await step('grade-service killed: only the grades panel fails; enrollment goes on', async () => {
      await cluster.down('grades');
      await expectPanelState(student, 'my-grades', 'error', 20_000);
      const error = panel(student, 'my-grades').getByTestId('panel-error');
      assert.match(await error.textContent(), /The grade service is unavailable\./);
      await expectPanelState(student, 'catalogue', 'ready');
      await student.getByRole('button', { name: 'Enroll in PHYS101' }).click();
      await panel(student, 'my-courses').locator('li[data-course-code="PHYS101"]').waitFor({ timeout: 5_000 });
      await student.waitForSelector('[data-testid=status-grades][data-state=down]', { timeout: 10_000 });
      await screenshot(student, 'grades-down');
      await assertAccessible(student, 'a panel in error (grade-service down)');
    });

    await step('grade-service back: the grades panel heals without a reload', async () => {
      await cluster.up('grades');
      await expectPanelState(student, 'my-grades', 'ready', 15_000);
      await panel(student, 'my-grades').locator('tr[data-course-code="CS201"]').waitFor();
      await screenshot(student, 'grades-healed');
    });

    await step('auth-service killed: a signed-in session goes on, only sign-in fails', async () => {
      await cluster.down('auth');
      await student.reload();
      await expectPanelState(student, 'catalogue', 'ready');
      await expectPanelState(student, 'my-courses', 'ready');
      await expectPanelState(student, 'my-grades', 'ready');
      assert.equal(await student.getByLabel('Password', { exact: true }).count(), 0, 'the stored session must skip sign-in');
      await screenshot(student, 'auth-down-session-goes-on');
      const stranger = await newPage();
      await stranger.goto(cluster.urls.web);
      await stranger.getByLabel('Email').fill('student2@example.edu');
      await stranger.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await stranger.getByRole('button', { name: 'Sign in' }).click();
      const error = stranger.getByTestId('signin-error');
      await error.waitFor({ timeout: 8_000 });
      assert.match(await error.textContent(), /^Sign-in is unavailable/);
      await screenshot(stranger, 'auth-down-sign-in');
      await cluster.up('auth');
    });

    await step('static node stopped after load: the app keeps working', async () => {
      await cluster.down('static', 'SIGTERM');
      const gone = await fetch(cluster.urls.web).then(() => false, () => true);
      assert.ok(gone, 'the static node still answers');
      await student.getByRole('button', { name: 'Drop PHYS101' }).click();
      await panel(student, 'my-courses').locator('li[data-course-code="PHYS101"]').waitFor({ state: 'detached', timeout: 5_000 });
      await student.getByRole('button', { name: 'Enroll in PHYS101' }).click();
      await panel(student, 'my-courses').locator('li[data-course-code="PHYS101"]').waitFor({ timeout: 5_000 });
      await expectPanelState(student, 'my-grades', 'ready');
      await screenshot(student, 'static-down-app-works');
      assertNoPageErrors(student);
      await cluster.up('static');
    });

    await step('grade-service hung: its panel gives up within the 3 s budget, the rest is untouched', async () => {
      cluster.pause('grades');
      try {
        const started = Date.now();
        await student.reload();
        await expectPanelState(student, 'catalogue', 'ready');
        // A hung service never answers: only the app's own budget ends the wait.
        await expectPanelState(student, 'my-grades', 'error', 10_000);
        const waited = Date.now() - started;
        const error = panel(student, 'my-grades').getByTestId('panel-error');
        assert.match(await error.textContent(), /The grade service is unavailable\./);
        assert.ok(waited >= 3_000, `the panel gave up after ${waited} ms, before the 3 s budget`);
        console.log(`  my grades gave up ${waited} ms after the reload (budget 3,000 ms per request)`);
        await expectPanelState(student, 'my-courses', 'ready');
        await screenshot(student, 'grades-hung');
      } finally {
        cluster.resume('grades');
      }
      await expectPanelState(student, 'my-grades', 'ready', 15_000);
    });

    await step('one course-service replica killed: the app goes on with the other', async () => {
      await cluster.down('courses');
      await student.reload();
      await expectPanelState(student, 'catalogue', 'ready');
      await expectPanelState(student, 'my-courses', 'ready');
      await student.getByRole('button', { name: 'Drop PHYS101' }).click();
      await panel(student, 'my-courses').locator('li[data-course-code="PHYS101"]').waitFor({ state: 'detached', timeout: 5_000 });
      await student.getByRole('button', { name: 'Enroll in PHYS101' }).click();
      await panel(student, 'my-courses').locator('li[data-course-code="PHYS101"]').waitFor({ timeout: 5_000 });
      await screenshot(student, 'courses-replica-down');
      assertNoPageErrors(student);
    });

    await step('course-service down (both replicas): its panels say so, grades still show', async () => {
      await cluster.down('courses-b');
      await student.reload();
      await expectPanelState(student, 'catalogue', 'error', 15_000);
      await expectPanelState(student, 'my-courses', 'error', 15_000);
      const error = panel(student, 'catalogue').getByTestId('panel-error');
      assert.match(await error.textContent(), /The course service is unavailable\./);
      await expectPanelState(student, 'my-grades', 'ready');
      const title = panel(student, 'my-grades').locator('tr[data-course-code="CS201"]');
      await title.waitFor();
      await screenshot(student, 'courses-down');
      await cluster.up('courses');
      await cluster.up('courses-b');
      await expectPanelState(student, 'catalogue', 'ready', 20_000);
      await expectPanelState(student, 'my-courses', 'ready', 20_000);
    });

    await step('sign-out ends the session, and a reload stays signed out', async () => {
      await student.getByRole('button', { name: 'Sign out', exact: true }).click();
      await student.getByLabel('Email').waitFor();
      assert.equal(await student.evaluate(() => localStorage.getItem('enroll.session')), null);
      await student.reload();
      await student.getByLabel('Email').waitFor();
      assert.equal(await student.getByRole('button', { name: 'Sign out', exact: true }).count(), 0);
      await screenshot(student, 'signed-out');
    });

    await step('a session that expires returns to sign-in and says why', async () => {
      await signIn(student, 'student@example.edu');
      await student.evaluate(() => {
        const session = JSON.parse(localStorage.getItem('enroll.session'));
        session.expires_at_ms = Date.now() + 2_000;
        localStorage.setItem('enroll.session', JSON.stringify(session));
      });
      await student.reload();
      await expectPanelState(student, 'catalogue', 'ready');
      await student.getByText('Your session has expired. Please sign in again.').waitFor({ timeout: 10_000 });
      await student.getByLabel('Email').waitFor();
      assert.equal(await student.evaluate(() => localStorage.getItem('enroll.session')), null);
      await screenshot(student, 'session-expired');
      await signIn(student, 'student@example.edu');
    });

    let adminPage = null;
    await step('admin creates a user and a course; a refused one shows the server message', async () => {
      const admin = (adminPage = await newPage());
      await signIn(admin, 'admin@example.edu');
      await expectPanelState(admin, 'admin-users', 'ready');
      await expectPanelState(admin, 'admin-courses', 'ready');
      await admin.getByLabel('Name').fill('Ada Okafor');
      await admin.getByLabel('Email', { exact: true }).fill('ada@example.edu');
      // A breached password: the form says so with the server's own rule.
      await admin.getByLabel('Initial password').fill('qwerty123456');
      await admin.getByRole('button', { name: 'Create user' }).click();
      await admin.locator('[data-testid=new-user-message][data-kind=error]')
        .getByText('one of the most common in published breaches').waitFor();
      await admin.getByLabel('Initial password').fill('a long pass phrase');
      await admin.getByRole('button', { name: 'Create user' }).click();
      const userMessage = admin.getByTestId('new-user-message');
      await userMessage.getByText('Created Ada Okafor (ada@example.edu).').waitFor();
      await panel(admin, 'admin-users').locator('tr[data-user-email="ada@example.edu"]').waitFor({ state: 'attached' });
      // The same email again: auth refuses, and the form says why.
      await admin.getByLabel('Name').fill('Ada Again');
      await admin.getByLabel('Email', { exact: true }).fill('ada@example.edu');
      await admin.getByLabel('Initial password').fill('a long pass phrase');
      await admin.getByRole('button', { name: 'Create user' }).click();
      await admin.locator('[data-testid=new-user-message][data-kind=error]').waitFor();

      await panel(admin, 'admin-courses').getByLabel('Code', { exact: true }).fill('BIO110');
      await panel(admin, 'admin-courses').getByLabel('Title', { exact: true }).fill('Cell Biology');
      await panel(admin, 'admin-courses').getByLabel('Seats', { exact: true }).fill('25');
      await admin.getByRole('button', { name: 'Create course' }).click();
      await admin.getByTestId('new-course-message').getByText('Created BIO110 Cell Biology.').waitFor();
      await panel(admin, 'catalogue').locator('tr[data-course-code="BIO110"]').waitFor({ timeout: 10_000 });
      await panel(admin, 'admin-courses').getByLabel('Code', { exact: true }).fill('CS201');
      await panel(admin, 'admin-courses').getByLabel('Title', { exact: true }).fill('A second CS201');
      await admin.getByRole('button', { name: 'Create course' }).click();
      const refused = admin.locator('[data-testid=new-course-message][data-kind=error]');
      await refused.waitFor();
      await screenshot(admin, 'admin-panel');
      await assertAccessible(admin, 'admin dashboard with a refusal shown');
      assertNoPageErrors(admin);
    });

    await step('admin creates a term, sets a course\'s week and adds a section, from the forms', async () => {
      const admin = adminPage;
      const terms = panel(admin, 'admin-terms');
      await expectPanelState(admin, 'admin-terms', 'ready');
      await terms.getByLabel('Code', { exact: true }).fill('2027-SU');
      await terms.getByLabel('Title', { exact: true }).fill('Summer 2027');
      await terms.getByLabel('First day').fill('2027-06-01');
      await terms.getByLabel('Last day').fill('2027-08-15');
      await terms.getByLabel('Registration opens').fill('2027-04-01T08:00');
      await terms.getByLabel('Add/drop closes').fill('2027-06-10T17:00');
      await terms.getByRole('button', { name: 'Create term' }).click();
      await terms.getByTestId('new-term-message').getByText('Created 2027-SU Summer 2027.').waitFor();
      await terms.locator('tr[data-term-code="2027-SU"]').waitFor();
      assert.match(await terms.locator('tr[data-term-code="DEMO"]').textContent(), /Current/);

      const list = panel(admin, 'admin-course-list');
      await list.getByLabel('Find a course').fill('PHYS101');
      const phys = list.locator('li[data-course-code="PHYS101"][data-section="01"]');
      await phys.getByText('Change PHYS101').click();
      const meets = phys.getByLabel('Meets');
      const before = await meets.inputValue();
      assert.equal(before, 'Mon 10:30-11:45 P-12, Wed 10:30-11:45 P-12');
      await meets.fill('Someday 10:00-11:00');
      await phys.getByRole('button', { name: 'Save week of PHYS101' }).click();
      await phys.locator('[data-testid=course-week-message][data-kind=error]').getByText('"Someday" is not a day').waitFor();
      await meets.fill('Mon 10:30-11:45 P-12, Fri 14:00-15:30 Lab 2');
      await phys.getByRole('button', { name: 'Save week of PHYS101' }).click();
      await phys.getByTestId('course-week-message')
        .getByText('PHYS101 meets Mon 10:30–11:45 (P-12), Fri 14:00–15:30 (Lab 2).').waitFor();
      await meets.fill(before);
      await phys.getByRole('button', { name: 'Save week of PHYS101' }).click();
      await phys.getByTestId('course-week-message').getByText('PHYS101 meets Mon 10:30–11:45, Wed 10:30–11:45 (P-12).').waitFor();

      await phys.getByLabel('New section').fill('02');
      await phys.getByLabel('Its seats').fill('12');
      await phys.getByRole('button', { name: 'Add section' }).click();
      await phys.getByTestId('new-section-message').getByText('Added PHYS101 section 02 with 12 seats.').waitFor();
      await panel(admin, 'catalogue').locator('tr[data-course-code="PHYS101"][data-section="02"]').waitFor({ timeout: 10_000 });
      await screenshot(admin, 'admin-terms-week-section');
      await assertAccessible(admin, 'admin terms, a course week and a new section');
      // Archived again, so that the steps after see one PHYS101.
      const token = await login('admin@example.edu');
      const found = (await api('courses', 'GET', '/courses?q=PHYS101', token)).body.find((c) => c.section === '02');
      assert.equal((await api('courses', 'PATCH', `/courses/${found.id}`, token, { archived: true })).status, 200);
      await panel(admin, 'catalogue').locator('tr[data-course-code="PHYS101"][data-section="02"]')
        .waitFor({ state: 'detached', timeout: 10_000 });
      await list.getByLabel('Find a course').fill('');
      assertNoPageErrors(admin);
    });

    await step('registration day: the admin view shows seats filled, refusals and each service, live', async () => {
      const admin = adminPage;
      const day = panel(admin, 'registration-day');
      await expectPanelState(admin, 'registration-day', 'ready');
      // A seat taken and a refusal (HIST210 is full), made now, show within a few readings.
      const token = await login('student2@example.edu');
      const bio = (await api('courses', 'GET', '/courses?q=BIO110', token)).body[0];
      assert.equal((await api('courses', 'POST', `/courses/${bio.id}/enrollment`, token)).status, 201);
      const sam = await login('student@example.edu');
      assert.equal((await api('courses', 'POST', `/courses/${HIST210}/enrollment`, sam)).status, 409);
      await admin.waitForFunction(
        () => Number(document.querySelector('[data-testid=seats-per-minute] .tile-value')?.textContent) > 0,
        null, { timeout: 20_000 },
      );
      await day.locator('li[data-reason="course_full"]').waitFor({ timeout: 20_000 });
      const open = await day.getByTestId('open-courses').locator('.tile-value').textContent();
      assert.match(open, /^\d+ of \d+$/);
      for (const service of ['auth', 'courses', 'grades']) {
        await day.locator(`tr[data-service=${service}] [data-testid=health]`).getByText('up').waitFor({ timeout: 15_000 });
        assert.match(await day.locator(`tr[data-service=${service}] [data-testid=p99]`).textContent(), /^(≤ \d+ ms|…)$/);
      }
      await screenshot(admin, 'registration-day');
      await assertAccessible(admin, 'admin with the registration-day view');
      // A service that stops reads as down, and the rest of the view goes on.
      await cluster.down('grades');
      try {
        await day.locator('tr[data-service=grades] [data-testid=health]').getByText('down').waitFor({ timeout: 20_000 });
        await day.locator('tr[data-service=courses] [data-testid=health]').getByText('up').waitFor();
        await screenshot(admin, 'registration-day-grades-down');
      } finally {
        await cluster.up('grades');
      }
      await day.locator('tr[data-service=grades] [data-testid=health]').getByText('up').waitFor({ timeout: 20_000 });
      assert.equal((await api('courses', 'DELETE', `/courses/${bio.id}/enrollment`, token)).status, 204);
      assertNoPageErrors(admin);
    });

    await step('admin changes a course (seats and title), is refused seats below those taken, reads a roster, finds a user', async () => {
      const admin = adminPage;
      const list = panel(admin, 'admin-course-list');
      await expectPanelState(admin, 'admin-course-list', 'ready');
      await list.getByLabel('Find a course').fill('BIO110');
      const bio = list.locator('li[data-course-code="BIO110"]');
      await bio.getByText('Change BIO110').click();
      await bio.getByLabel('Title', { exact: true }).fill('Cell and Molecular Biology');
      await bio.getByLabel('Seats', { exact: true }).fill('30');
      await bio.getByRole('button', { name: 'Save BIO110' }).click();
      await bio.getByTestId('course-change-message').getByText('Saved BIO110: 30 seats, 0 taken.').waitFor();
      // The catalogue on the same page follows with its next seat update.
      await panel(admin, 'catalogue').locator('tr[data-course-code="BIO110"] [data-testid=seats]')
        .getByText('30 of 30 seats left').waitFor({ timeout: 10_000 });
      // HIST210 has 2 of 2 seats taken: 1 seat is refused with the server's message.
      await list.getByLabel('Find a course').fill('HIST210');
      const hist = list.locator('li[data-course-code="HIST210"]');
      await hist.getByText('Change HIST210').click();
      await hist.getByLabel('Seats', { exact: true }).fill('1');
      await hist.getByRole('button', { name: 'Save HIST210' }).click();
      await hist.locator('[data-testid=course-change-message][data-kind=error]')
        .getByText('2 seats are taken: the capacity cannot go below 2.').waitFor();
      await hist.getByText('Roster of HIST210').click();
      await hist.locator('tr[data-student-email]').first().waitFor();
      assert.equal(await hist.locator('tr[data-student-email]').count(), 2);
      // Users are found by a word of the name or the email.
      const users = panel(admin, 'admin-users');
      if (!(await users.locator('#user-q').isVisible())) await users.getByText('All users').click();
      await users.getByLabel('Find a user').fill('OKAFOR');
      await users.locator('tr[data-user-email="ada@example.edu"]').waitFor();
      assert.equal(await users.locator('tr[data-user-email]').count(), 1);
      await screenshot(admin, 'admin-course-changes');
      await assertAccessible(admin, 'admin changing a course, reading its roster and finding a user');
      await users.getByLabel('Find a user').fill('');
      assertNoPageErrors(admin);
    });

    await step('admin enrolls a student past a full course with a reason, kept on the roster', async () => {
      const admin = adminPage;
      const token = await login('admin@example.edu');
      const created = await api('auth', 'POST', '/auth/users', token, {
        email: 'omar@example.edu', name: 'Omar Haddad', password: 'a long pass phrase', roles: ['student'],
      });
      assert.equal(created.status, 201);
      const full = (await api('courses', 'GET', `/courses/${HIST210}`, token)).body;
      assert.ok(full.enrolled >= full.capacity, `HIST210 is full: ${full.enrolled} of ${full.capacity}`);
      const list = panel(admin, 'admin-course-list');
      await list.getByLabel('Find a course').fill('HIST210');
      const hist = list.locator('li[data-course-code="HIST210"]');
      if (!(await hist.getByLabel("Student's email").isVisible())) await hist.getByText('Change HIST210').click();
      // An email that is no student's is named, and nothing is sent.
      await hist.getByLabel("Student's email").fill('nobody@example.edu');
      await hist.getByLabel('Reason').fill('Department approval, ticket 4411');
      await hist.getByRole('button', { name: 'Enroll past the rules in HIST210' }).click();
      await hist.locator('[data-testid=override-message][data-kind=error]')
        .getByText('No student has the email nobody@example.edu.').waitFor();
      await hist.getByLabel("Student's email").fill('omar@example.edu');
      await hist.getByRole('button', { name: 'Enroll past the rules in HIST210' }).click();
      await hist.getByTestId('override-message')
        .getByText('Enrolled Omar Haddad in HIST210: Department approval, ticket 4411.').waitFor();
      const after = (await api('courses', 'GET', `/courses/${HIST210}`, token)).body;
      assert.equal(after.enrolled, full.enrolled + 1, 'one seat past capacity');
      // Twice is refused with the server's message.
      await hist.getByLabel("Student's email").fill('omar@example.edu');
      await hist.getByLabel('Reason').fill('Again');
      await hist.getByRole('button', { name: 'Enroll past the rules in HIST210' }).click();
      await hist.locator('[data-testid=override-message][data-kind=error]')
        .getByText('The student is already enrolled in this section.').waitFor();
      // The roster keeps the reason (read afresh when it is opened).
      const roster = hist.locator('details.roster');
      if (await roster.getAttribute('open') !== null) await hist.getByText('Roster of HIST210').click();
      await hist.getByText('Roster of HIST210').click();
      await hist.locator('tr[data-student-email="omar@example.edu"]')
        .getByText('Enrolled past the rules: Department approval, ticket 4411').waitFor();
      await screenshot(admin, 'admin-override');
      await assertAccessible(admin, 'admin enrolling a student past the rules');
      // Given back, so that the steps after see HIST210 as it was.
      const omar = await login('omar@example.edu', 'a long pass phrase');
      assert.equal((await api('courses', 'DELETE', `/courses/${HIST210}/enrollment`, omar)).status, 204);
      await list.getByLabel('Find a course').fill('');
      assertNoPageErrors(admin);
    });

    await step('admin places a hold: the student sees it and why, enrolling is refused with the reason; once lifted, it works', async () => {
      const admin = adminPage;
      const token = await login('admin@example.edu');
      const created = await api('auth', 'POST', '/auth/users', token, {
        email: 'hana@example.edu', name: 'Hana Sato', password: 'a long pass phrase', roles: ['student'],
      });
      assert.equal(created.status, 201);
      const holds = panel(admin, 'admin-holds');
      // An email that is no student's is named as such.
      await holds.getByLabel("Student's email").fill('nobody@example.edu');
      await holds.getByRole('button', { name: 'Show holds' }).click();
      await holds.getByTestId('admin-holds-message').getByText('No student has this email.').waitFor();
      await holds.getByLabel("Student's email").fill('hana@example.edu');
      await holds.getByRole('button', { name: 'Show holds' }).click();
      await holds.getByText('Hana Sato has no hold.').waitFor();
      const reason = "Unpaid fees: see the bursar's office";
      await holds.getByLabel('Reason (the student reads it)').fill(reason);
      await holds.getByRole('button', { name: 'Place hold' }).click();
      await holds.getByTestId('admin-holds-message').getByText(`Placed the hold: ${reason}`).waitFor();
      await holds.locator('li[data-hold-active=true]').getByText(reason).waitFor();
      await screenshot(admin, 'admin-hold-placed');
      await assertAccessible(admin, 'admin placing a hold');

      const hana = await newPage();
      await signIn(hana, 'hana@example.edu', 'a long pass phrase');
      await expectPanelState(hana, 'my-courses', 'ready');
      await panel(hana, 'my-courses').getByTestId('registration-hold').getByText(reason).waitFor();
      await hana.getByRole('button', { name: 'Enroll in CS101' }).click();
      const refused = hana.locator('[data-testid=catalogue-message][data-kind=error]');
      await refused.waitFor();
      assert.match(await refused.textContent(), /^A hold on your record blocks registration \(Unpaid fees: see the bursar's office\)\. You can still drop courses/);
      await screenshot(hana, 'student-hold');
      await assertAccessible(hana, 'a student with a hold');
      await hana.setViewportSize({ width: 390, height: 844 });
      await screenshot(hana, 'student-hold-phone');
      await hana.setViewportSize({ width: 1280, height: 900 });

      await holds.getByRole('button', { name: `Lift the hold: ${reason}` }).click();
      await holds.getByTestId('admin-holds-message').getByText(`Lifted the hold: ${reason}`).waitFor();
      await holds.locator('li[data-hold-active=false]').getByText(reason).waitFor();
      await hana.reload();
      await expectPanelState(hana, 'my-courses', 'ready');
      assert.equal(await panel(hana, 'my-courses').getByTestId('registration-hold').count(), 0);
      await hana.getByRole('button', { name: 'Enroll in CS101' }).click();
      await hana.getByTestId('catalogue-message').getByText('Enrolled in CS101.').waitFor();

      // The registrar reads Hana's registration history under her holds:
      // the hold, the refusal it caused with its reason, the lift, the
      // enrollment; newest first, and as a CSV download.
      await holds.locator('details.audit-trail > summary').click();
      const rows = holds.locator('table.audit tbody tr');
      await rows.first().waitFor();
      const seen = await rows.evaluateAll((trs) => trs.map((tr) =>
        `${tr.dataset.auditAction}:${tr.dataset.auditOutcome}`));
      assert.deepEqual(seen, ['enroll:accepted', 'hold_lifted:accepted', 'enroll:refused', 'hold_placed:accepted']);
      const refusal = rows.nth(2);
      await refusal.getByText('registration_hold').waitFor();
      await refusal.getByText(/A hold on your record blocks registration \(Unpaid fees/).waitFor();
      await refusal.getByText('CS101 01').waitFor();
      await screenshot(admin, 'admin-audit-trail');
      await assertAccessible(admin, 'admin reading a registration history');
      const [download] = await Promise.all([
        admin.waitForEvent('download'),
        holds.getByRole('button', { name: 'Download CSV' }).click(),
      ]);
      assert.equal(download.suggestedFilename(), 'history-hana@example.edu.csv');
      const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
      assert.equal(csv.length, 5, csv.join('\n'));
      assert.match(csv[0], /^"id","at","actor_id","student_id","student_name","course_id","course","action","outcome","code","detail"$/);
      assert.match(csv[3], /"enroll","refused","registration_hold"/);
      await admin.setViewportSize({ width: 390, height: 844 });
      await screenshot(admin, 'admin-audit-trail-phone');
      await admin.setViewportSize({ width: 1280, height: 900 });
      assertNoPageErrors(hana);
      assertNoPageErrors(admin);
      await hana.context().close();
    });

    await step('admin sets a prerequisite: a student without it is refused naming the course and the next step; a completion recorded lets them in', async () => {
      const admin = adminPage;
      const token = await login('admin@example.edu');
      const list = panel(admin, 'admin-course-list');
      await list.getByLabel('Find a course').fill('PHYS101');
      const phys = list.locator('li[data-course-code="PHYS101"]');
      await phys.locator('details.requisites > summary').click();
      const requires = phys.getByLabel('Requires');
      const message = phys.getByTestId('requisites-message');
      // Typed wrong, or naming no course: said so, nothing saved.
      await requires.fill('CS101 two');
      await phys.getByRole('button', { name: 'Save requisites of PHYS101' }).click();
      await message.getByText(/`CS101 two`: the grade after the code is a number/).waitFor();
      await requires.fill('NOPE1 2.0');
      await phys.getByRole('button', { name: 'Save requisites of PHYS101' }).click();
      await phys.locator('[data-testid=requisites-message][data-kind=error]').getByText(/No course has the code `NOPE1`/).waitFor();
      await requires.fill('CS101 3.0');
      await phys.getByRole('button', { name: 'Save requisites of PHYS101' }).click();
      await message.getByText('Every section of PHYS101 now requires CS101 3.0.').waitFor();
      await screenshot(admin, 'admin-requisites');
      await assertAccessible(admin, 'admin setting requisites');

      // Hana holds CS101 this term, which is no grade yet.
      const hana = await newPage();
      await signIn(hana, 'hana@example.edu', 'a long pass phrase');
      await expectPanelState(hana, 'catalogue', 'ready');
      await hana.getByRole('button', { name: 'Enroll in PHYS101' }).click();
      const refused = hana.locator('[data-testid=catalogue-message][data-kind=error]');
      await refused.waitFor();
      assert.match(await refused.textContent(),
        /^PHYS101 needs CS101 passed with at least 3\.0 first, and your record has no such grade\. If you have equivalent credit, ask the registrar's office for an override\./);
      await screenshot(hana, 'student-prerequisite');
      await assertAccessible(hana, 'a student missing a prerequisite');
      await hana.setViewportSize({ width: 390, height: 844 });
      await screenshot(hana, 'student-prerequisite-phone');
      await hana.setViewportSize({ width: 1280, height: 900 });

      // The registrar records her transfer credit; she enrolls.
      const holds = panel(admin, 'admin-holds');
      await holds.getByText('No completed course on record.').waitFor();
      await holds.getByLabel('Course code', { exact: true }).fill('CS101');
      await holds.getByLabel('Grade', { exact: true }).fill('3.7');
      await holds.getByRole('button', { name: 'Record completion' }).click();
      await holds.locator('[data-testid=completion-message][data-kind=error]').getByText(/'3\.7' is not a grade/).waitFor();
      await holds.getByLabel('Grade', { exact: true }).fill('3.5');
      await holds.getByRole('button', { name: 'Record completion' }).click();
      await holds.getByTestId('completion-message').getByText('Recorded CS101.').waitFor();
      await holds.locator('li[data-completion=CS101]').getByText('recorded by the registrar').waitFor();
      await screenshot(admin, 'admin-completion');
      await hana.getByRole('button', { name: 'Enroll in PHYS101' }).click();
      await hana.getByTestId('catalogue-message').getByText('Enrolled in PHYS101.').waitFor();

      // As it was for the steps after.
      assert.equal((await api('courses', 'PUT', `/courses/${PHYS101}/requisites`, token, [])).status, 200);
      const hanaToken = await login('hana@example.edu', 'a long pass phrase');
      assert.equal((await api('courses', 'DELETE', `/courses/${PHYS101}/enrollment`, hanaToken)).status, 204);
      await list.getByLabel('Find a course').fill('');
      assertNoPageErrors(hana);
      assertNoPageErrors(admin);
      await hana.context().close();
    });

    await step('admin imports users and courses from CSV (checked first, all or nothing), archives and restores a course; an imported user signs in with their setup code', async () => {
      const admin = adminPage;
      const imports = panel(admin, 'admin-import');
      const message = imports.getByTestId('import-message');
      await imports.getByLabel('CSV to import').fill(
        'email,name,roles\nmei.tanaka@example.edu,Mei Tanaka,student\nsam.rivers@example.edu,Sam Rivers,teacher\nstudent@example.edu,Already Here,student\n');
      await imports.getByRole('button', { name: 'Check file' }).click();
      await message.getByText('The file is good: 2 new, 1 already there. Nothing written yet.').waitFor();
      await imports.getByRole('button', { name: 'Import', exact: true }).click();
      await message.getByText('Imported: 2 created, 1 already there.').waitFor();
      const mei = imports.locator('tr[data-row-status=created]').first();
      const code = (await mei.locator('td').nth(4).textContent()).trim();
      assert.match(code, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$/);
      await screenshot(admin, 'admin-import-users');
      await assertAccessible(admin, 'admin import report with setup codes');
      // The same file again creates nothing.
      await imports.getByRole('button', { name: 'Import', exact: true }).click();
      await message.getByText('Imported: 0 created, 3 already there.').waitFor();

      // A course file with one bad row writes nothing and says which row.
      await imports.getByLabel('Courses', { exact: true }).check();
      await imports.getByLabel('CSV to import').fill(
        'code,title,capacity,teacher_email\nGEO100,Rocks and Minerals,30,sam.rivers@example.edu\nGEO200,Maps,30,nobody@example.edu\n');
      await imports.getByRole('button', { name: 'Import', exact: true }).click();
      await message.getByText('Nothing imported: 1 of 2 rows need correcting (below).').waitFor();
      await imports.locator('tr[data-row-status=invalid]').getByText('unknown_teacher').waitFor();
      await screenshot(admin, 'admin-import-refused');
      await imports.getByLabel('CSV to import').fill('code,title,capacity,teacher_email\nGEO100,Rocks and Minerals,30,sam.rivers@example.edu\n');
      await imports.getByRole('button', { name: 'Import', exact: true }).click();
      await message.getByText('Imported: 1 created, 0 already there.').waitFor();
      const catalogue = panel(admin, 'catalogue');
      await catalogue.getByLabel('Search courses').fill('GEO100');
      await catalogue.locator('tr[data-course-code="GEO100"]').waitFor({ timeout: 10_000 });

      // Archived: out of the catalogue, listed among the archived; restored: back.
      const list = panel(admin, 'admin-course-list');
      await list.getByLabel('Find a course').fill('GEO100');
      const geo = list.locator('li[data-course-code="GEO100"]');
      await geo.getByText('Change GEO100').click();
      await geo.getByRole('button', { name: 'Archive GEO100' }).click();
      await catalogue.locator('tr[data-course-code="GEO100"]').waitFor({ state: 'detached', timeout: 10_000 });
      await list.getByText('Archived courses').click();
      const archived = list.locator('.archived-courses li[data-course-code="GEO100"]');
      await archived.waitFor();
      await screenshot(admin, 'admin-archived-courses');
      await archived.getByRole('button', { name: 'Restore GEO100' }).click();
      await list.getByTestId('archive-message').getByText('Restored GEO100: it is in the catalogue again.').waitFor();
      await catalogue.locator('tr[data-course-code="GEO100"]').waitFor({ timeout: 10_000 });
      await catalogue.getByLabel('Search courses').fill('');
      await list.getByLabel('Find a course').fill('');

      // The imported student signs in once with the code and chooses a password.
      const newcomer = await newPage();
      await newcomer.goto(cluster.urls.web);
      await newcomer.getByLabel('Email').fill('mei.tanaka@example.edu');
      await newcomer.getByLabel('Password', { exact: true }).fill(code);
      await newcomer.getByRole('button', { name: 'Sign in' }).click();
      const choose = newcomer.getByTestId('choose-password');
      await choose.waitFor();
      await choose.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
      await choose.getByLabel('New password, again').fill(NEW_PASSWORD);
      await choose.getByRole('button', { name: 'Change password' }).click();
      await newcomer.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
      await newcomer.getByRole('heading', { name: 'Hello, Mei Tanaka' }).waitFor();
      assertNoPageErrors(admin);
      assertNoPageErrors(newcomer);
    });

    await step('a user changes their password: their other session ends, the new one goes on', async () => {
      const here = await newPage();
      const elsewhere = await newPage();
      await signIn(here, 'teacher2@example.edu');
      await signIn(elsewhere, 'teacher2@example.edu');
      const account = panel(here, 'account');
      await account.locator('summary', { hasText: 'Change password' }).click();
      await account.getByLabel('Current password').fill(PASSWORD);
      await account.getByLabel('New password', { exact: true }).fill('too short');
      await account.getByLabel('New password, again').fill('too short');
      await account.getByRole('button', { name: 'Change password' }).click();
      await account.locator('[data-testid=password-message][data-kind=error]').waitFor();
      await account.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
      await account.getByLabel('New password, again').fill(NEW_PASSWORD);
      await account.getByRole('button', { name: 'Change password' }).click();
      await account.getByTestId('password-message').getByText('Password changed.').waitFor();
      await screenshot(here, 'password-changed');
      // The other browser's session is refused by every service within a
      // few seconds (they pull the list of ended sessions from auth).
      await untilSignedOut(elsewhere);
      await elsewhere.getByText('Your session has ended. Please sign in again.').waitFor();
      await screenshot(elsewhere, 'other-session-ended');
      await here.reload();
      await expectPanelState(here, 'teaching', 'ready');
      assert.equal(await here.getByRole('button', { name: 'Sign out', exact: true }).count(), 1, 'the new session goes on');
      assert.equal((await api('auth', 'POST', '/auth/login', null, { email: 'teacher2@example.edu', password: PASSWORD })).status, 401);
      assertNoPageErrors(here);
    });

    await step('admin resets a password (the user picks a new one) and disables an account', async () => {
      const admin = adminPage;
      assert.ok(admin, 'the admin step signed in');
      const users = panel(admin, 'admin-users');
      const row = users.locator('tr[data-user-email="ada@example.edu"]');
      if (!(await row.isVisible())) await users.getByText('All users').click();
      const ada = await newPage();
      await signIn(ada, 'ada@example.edu', 'a long pass phrase');

      await row.getByLabel('Temporary password for ada@example.edu').fill(TEMPORARY_PASSWORD);
      await row.getByRole('button', { name: 'Reset password' }).click();
      await users.getByTestId('user-action-message').getByText('Reset the password of Ada Okafor').waitFor();
      await users.locator('tr[data-user-email="ada@example.edu"][data-account="must choose a new password"]').waitFor();
      await screenshot(admin, 'admin-reset-password');
      await untilSignedOut(ada);

      await ada.getByLabel('Email').fill('ada@example.edu');
      await ada.getByLabel('Password', { exact: true }).fill(TEMPORARY_PASSWORD);
      await ada.getByRole('button', { name: 'Sign in' }).click();
      const choose = ada.getByTestId('choose-password');
      await choose.waitFor();
      await screenshot(ada, 'choose-new-password');
      await choose.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
      await choose.getByLabel('New password, again').fill(NEW_PASSWORD);
      await choose.getByRole('button', { name: 'Change password' }).click();
      await ada.getByRole('button', { name: 'Sign out', exact: true }).waitFor();

      await row.getByRole('button', { name: 'Disable' }).click();
      await users.locator('tr[data-user-email="ada@example.edu"][data-account="disabled"]').waitFor();
      await screenshot(admin, 'admin-disabled-user');
      await untilSignedOut(ada);
      await ada.getByLabel('Email').fill('ada@example.edu');
      await ada.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
      await ada.getByRole('button', { name: 'Sign in' }).click();
      await ada.getByTestId('signin-error').getByText('This account is disabled').waitFor();
      await screenshot(ada, 'disabled-sign-in');
      assertNoPageErrors(admin);
      assertNoPageErrors(ada);
    });

    await step('sign out everywhere ends every session of the account', async () => {
      const one = await newPage();
      const two = await newPage();
      await signIn(one, 'student2@example.edu');
      await signIn(two, 'student2@example.edu');
      await panel(one, 'account').getByRole('button', { name: 'Sign out everywhere' }).click();
      await one.getByText('You are signed out on every device.').waitFor();
      await untilSignedOut(two);
      await screenshot(two, 'signed-out-everywhere');
    });
  }

  const figures = {};
  await step('figures: navigation to catalogue on screen, and the wasm size', async () => {
    const times = [];
    for (let i = 0; i < 5; i += 1) {
      await student.goto(cluster.urls.web);
      await student.waitForFunction(() => window.__catalogueShownAt !== undefined, null, { timeout: 10_000 });
      times.push(await student.evaluate(() => window.__catalogueShownAt));
    }
    times.sort((a, b) => a - b);
    figures.navigation_to_catalogue_ms = { median: Math.round(times[2]), all: times.map(Math.round) };
    const wasm = readdirSync(cluster.dist).filter((f) => f.endsWith('.wasm'));
    assert.equal(wasm.length, 1);
    const bytes = readFileSync(join(cluster.dist, wasm[0]));
    figures.wasm_bytes = bytes.length;
    // What the static node serves is the release build: a debug build (what
    // trunk serve makes) is about 5 MB.
    const served = await fetch(`${cluster.urls.web}/${wasm[0]}`, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(served.status, 200);
    const servedBytes = (await served.arrayBuffer()).byteLength;
    assert.equal(servedBytes, bytes.length);
    assert.ok(servedBytes < 1_500_000, `the static node serves a ${servedBytes}-byte wasm: not the release build`);
    figures.wasm_gzip_bytes = gzipSync(bytes, { level: 9 }).length;
    console.log(`  navigation to catalogue on screen: median ${figures.navigation_to_catalogue_ms.median} ms `
      + `(${figures.navigation_to_catalogue_ms.all.join(', ')})`);
    console.log(`  wasm: ${figures.wasm_bytes} bytes, ${figures.wasm_gzip_bytes} gzipped`);
  });

  // Last: they add a term-sized catalogue, which the steps above must not see.
  const helpers = {
    cluster, step, newPage, login, api, panel, expectPanelState, screenshot, assertNoPageErrors, PASSWORD,
  };
  await slowNetworkSteps(helpers, figures, { figuresOnly });
  // The replicated deployment of `make cluster`, on hosts of its own.
  if (!figuresOnly) await replicatedSteps(helpers, repo);

  if (checkedStates.length > 0) {
    console.log(`  accessibility: ${checkedStates.length} screens and states checked with axe-core against WCAG 2.1 AA`);
  }
  writeFileSync(join(out, 'figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
  if (figuresOnly) {
    const bench = join(repo, 'target', 'bench');
    mkdirSync(bench, { recursive: true });
    writeFileSync(join(bench, 'browser.json'), `${JSON.stringify(figures, null, 2)}\n`);
  }
}

let exitCode = 0;
const cleanUp = async () => {
  for (const context of contexts) await context.close().catch(() => {});
  for (const profile of profiles) rmSync(profile, { recursive: true, force: true });
  cluster.stopAll();
};
process.on('SIGINT', async () => {
  await cleanUp();
  process.exit(130);
});
try {
  await main();
} catch (error) {
  console.log(`not ok - the run stopped: ${error.stack || error}`);
  failures += 1;
} finally {
  await cleanUp();
}
if (failures > 0) {
  console.log(`\n${failures} step(s) failed; screenshots and logs in target/e2e/`);
  exitCode = 1;
} else {
  console.log('\nall browser steps passed; screenshots in target/e2e/');
}
process.exit(exitCode);
