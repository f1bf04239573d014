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

import { Cluster } from './cluster.mjs';
import { replicatedSteps } from './replicated.mjs';
import { slowNetworkSteps } from './slow_network.mjs';

// `--figures-only`: sign in and measure, for `make bench`; no fault steps.
const figuresOnly = process.argv.includes('--figures-only');
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(repo, 'target', 'e2e');
mkdirSync(out, { recursive: true });

const PASSWORD = 'demo-password-1';
const NEW_PASSWORD = 'violet-harbor-lantern-42';
const TEMPORARY_PASSWORD = 'copper-meadow-whistle-7';
const MATH120 = '00000000-0000-4000-8000-000000000104';
const HIST210 = '00000000-0000-4000-8000-000000000105';
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
async function newPage(viewport = { width: 1280, height: 900 }) {
  const profile = mkdtempSync(join(tmpdir(), 'enroll-e2e-profile-'));
  profiles.push(profile);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
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
  await cluster.start();
  console.log(`system up: app ${cluster.urls.web}`);
  const student = await newPage();

  await step('student signs in and sees the catalogue', async () => {
    await student.goto(cluster.urls.web);
    await student.getByLabel('Email').waitFor();
    await screenshot(student, 'sign-in');
    await signIn(student, 'student@example.edu');
    await expectPanelState(student, 'catalogue', 'ready');
    await expectPanelState(student, 'my-courses', 'ready');
    await expectPanelState(student, 'my-grades', 'ready');
    const seats = await panel(student, 'catalogue').locator('tr[data-course-code="HIST210"] [data-testid=seats]').textContent();
    assert.equal(seats, '1 of 2 seats left');
    await screenshot(student, 'student-dashboard');
    assertNoPageErrors(student);
  });

  if (!figuresOnly) {
    await step('student enrolls in CS201 and sees it in my courses', async () => {
      await student.getByRole('button', { name: 'Enroll in CS201' }).click();
      const message = student.getByTestId('catalogue-message');
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

    await step('the student view works at phone width', async () => {
      await student.setViewportSize({ width: 390, height: 844 });
      await expectPanelState(student, 'catalogue', 'ready');
      const overflow = await student.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px at phone width`);
      await screenshot(student, 'student-phone');
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
      await admin.getByLabel('Email').fill('ada@example.edu');
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
      await admin.getByLabel('Email').fill('ada@example.edu');
      await admin.getByLabel('Initial password').fill('a long pass phrase');
      await admin.getByRole('button', { name: 'Create user' }).click();
      await admin.locator('[data-testid=new-user-message][data-kind=error]').waitFor();

      await admin.getByLabel('Code').fill('BIO110');
      await admin.getByLabel('Title').fill('Cell Biology');
      await admin.getByLabel('Seats').fill('25');
      await admin.getByRole('button', { name: 'Create course' }).click();
      await admin.getByTestId('new-course-message').getByText('Created BIO110 Cell Biology.').waitFor();
      await panel(admin, 'catalogue').locator('tr[data-course-code="BIO110"]').waitFor({ timeout: 10_000 });
      await admin.getByLabel('Code').fill('CS201');
      await admin.getByLabel('Title').fill('A second CS201');
      await admin.getByRole('button', { name: 'Create course' }).click();
      const refused = admin.locator('[data-testid=new-course-message][data-kind=error]');
      await refused.waitFor();
      await screenshot(admin, 'admin-panel');
      assertNoPageErrors(admin);
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
