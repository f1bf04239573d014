// The replicated deployment in the browser: `make cluster`'s topology (three
// PostgreSQL nodes under Patroni, two replicas of each service, each host a
// network namespace), driven through its command prompt. With one
// course-service replica killed and the primary database killed, a
// signed-in student keeps the catalogue on screen, and an enroll pressed
// during the failover either succeeds or says to try again: pressed again
// until it lands, the student is enrolled exactly once.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { createHash, X509Certificate } from 'node:crypto';
import { get } from 'node:https';

const COURSE = 'CS201';
// Patroni's leader key lives 10 s; a new synchronous standby follows soon after.
const FAILOVER_BUDGET_MS = 60_000;

/** GET `url` as JSON, trusting only the deployment's own authority `ca`. */
function getJson(url, ca, headers = {}) {
  return new Promise((resolve, reject) => {
    get(url, { ca, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => {
        try {
          assert.equal(response.statusCode, 200, `GET ${url}`);
          resolve(JSON.parse(text));
        } catch (error) {
          reject(error);
        }
      });
    }).on('error', reject);
  });
}

/**
 * Chromium's flag that accepts exactly these public keys: the certificates
 * the deployment's authority issued to its hosts, and no other. (Adding the
 * authority itself would need an NSS database in the browser profile.)
 */
function trustOnly(dir) {
  const pins = readdirSync(dir)
    .filter((file) => file.endsWith('.crt') && file !== 'ca.crt')
    .map((file) => {
      const key = new X509Certificate(readFileSync(join(dir, file))).publicKey;
      return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('base64');
    });
  assert.ok(pins.length > 0, `no host certificate in ${dir}`);
  return `--ignore-certificate-errors-spki-list=${pins.join(',')}`;
}

/** `enroll-chaos cluster`, its URL, and its prompt. */
class ReplicatedDeployment {
  constructor(repo) {
    this.repo = repo;
    this.waiting = [];
    this.lines = [];
  }

  async start() {
    this.child = spawn(join(this.repo, 'target', 'release', 'enroll-chaos'), ['cluster'], {
      cwd: this.repo,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => {
      this.exitCode = code;
      for (const waiter of this.waiting.splice(0)) waiter();
      resolve(code);
    }));
    // A write after it exited is reported by the check below, not as a crash.
    this.child.stdin.on('error', () => {});
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      this.lines.push(line);
      for (const waiter of this.waiting.splice(0)) waiter();
    });
    const app = await this.next((line) => line.match(/^The app: (http\S+)/), 180_000);
    this.url = app[1];
    const trusted = await this.next((line) => line.match(/trust (\S+) in the browser/), 5_000);
    this.ca = readFileSync(trusted[1]);
    this.certificates = trusted[1].replace(/\/ca\.crt$/, '');
    const config = await getJson(`${this.url}/config.json`, this.ca);
    this.courses = config.courses;
  }

  /** The first line from now on that `match` accepts. */
  async next(match, timeout) {
    const deadline = Date.now() + timeout;
    for (;;) {
      while (this.lines.length) {
        const found = match(this.lines.shift());
        if (found) return found;
      }
      assert.equal(this.exitCode, undefined, `the cluster exited (${this.exitCode}); see its output above`);
      assert.ok(Date.now() < deadline, 'the cluster did not answer in time');
      await new Promise((resolve) => {
        this.waiting.push(resolve);
        setTimeout(resolve, 500);
      });
    }
  }

  /** Runs one prompt command; its `ok:` line, or it throws. */
  async command(line) {
    this.lines = [];
    this.child.stdin.write(`${line}\n`);
    const answer = await this.next((l) => (l.startsWith('ok:') || l.startsWith('error:')) && l, 30_000);
    assert.ok(answer.startsWith('ok:'), `${line}: ${answer}`);
    return answer;
  }

  /** SIGTERM, which it answers at any time (also while starting) by removing every node and host. */
  async stop() {
    if (!this.child || this.exitCode !== undefined) return;
    this.child.kill('SIGTERM');
    const stopped = await Promise.race([this.exited, new Promise((r) => setTimeout(() => r('late'), 60_000))]);
    if (stopped === 'late') this.child.kill('SIGKILL');
  }
}

export async function replicatedSteps(h, repo) {
  if (process.getuid && process.getuid() !== 0) {
    console.log('ok - # SKIP replicated deployment: network namespaces need root');
    return;
  }
  await h.step('replicated deployment: a courses replica and the primary database killed; the catalogue stays, an enroll lands once', async () => {
    const deployment = new ReplicatedDeployment(repo);
    try {
      await deployment.start();
      const page = await h.newPage(undefined, [trustOnly(deployment.certificates)]);
      await page.goto(deployment.url);
      await page.getByLabel('Email').fill('student@example.edu');
      await page.getByLabel('Password', { exact: true }).fill(h.PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await h.expectPanelState(page, 'catalogue', 'ready', 15_000);
      const rows = h.panel(page, 'catalogue').locator('tr[data-course-code]');
      const shown = await rows.count();
      assert.ok(shown > 0, 'the catalogue shows courses');

      await deployment.command('kill courses app1');
      await deployment.command('kill-primary');

      const message = page.getByTestId('catalogue-message');
      const answers = [];
      const deadline = Date.now() + FAILOVER_BUDGET_MS;
      for (;;) {
        assert.equal(await rows.count(), shown, 'the catalogue stays on screen');
        const button = page.getByRole('button', { name: `Enroll in ${COURSE}` });
        if (!(await button.count())) break;
        await button.click();
        await message.waitFor();
        const text = (await message.textContent()).trim();
        answers.push(text);
        if (text === `Enrolled in ${COURSE}.` || /already enrolled/i.test(text)) break;
        assert.match(text, /try again/i, 'a failed enroll says to try again');
        assert.ok(Date.now() < deadline, `still failing after ${FAILOVER_BUDGET_MS} ms: ${answers.join(' | ')}`);
        await page.waitForTimeout(1_000);
      }
      console.log(`  enroll answers during the failover: ${answers.join(' | ')}`);
      await h.screenshot(page, 'replicated-after-failover', { fullPage: false });

      // Exactly once, read from the replica that is still up.
      const token = await page.evaluate(() => JSON.parse(localStorage.getItem('enroll.session') || 'null')?.token);
      assert.ok(token, 'the session token');
      const enrollments = await getJson(`${deployment.courses[1]}/enrollments/me`, deployment.ca, {
        authorization: `Bearer ${token}`,
      });
      const taken = enrollments.filter((e) => (e.course?.code ?? e.code) === COURSE);
      assert.equal(taken.length, 1, `enrolled in ${COURSE} exactly once: ${JSON.stringify(enrollments)}`);
      h.assertNoPageErrors(page);
      await page.context().close();
    } finally {
      await deployment.stop();
    }
  });
}
