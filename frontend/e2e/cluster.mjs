// The system under test: the three real services (release build, SQLite in
// a temporary folder, demo data) and the static node (nginx/serve), on free
// loopback ports. Nodes can be killed and started again on the same data.

import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export class Cluster {
  constructor(repo) {
    this.repo = repo;
    this.bin = join(repo, 'target', 'release');
    this.dist = join(repo, 'frontend', 'dist');
    this.logs = join(repo, 'target', 'e2e', 'logs');
    this.nodes = new Map();
  }

  async start() {
    for (const name of ['auth-service', 'course-service', 'grade-service']) {
      if (!existsSync(join(this.bin, name))) throw new Error(`${name} is not built: run make build`);
    }
    if (!existsSync(join(this.dist, 'index.html'))) throw new Error('the app is not built: run make build-frontend');
    mkdirSync(this.logs, { recursive: true });
    this.tmp = mkdtempSync(join(tmpdir(), 'enroll-e2e-'));
    // nginx started as root serves as `nobody`, which must read config.json.
    chmodSync(this.tmp, 0o755);
    execFileSync(join(this.bin, 'auth-service'), [
      'keygen', '--private-key', join(this.tmp, 'jwt-private.pem'), '--public-dir', join(this.tmp, 'keys'),
    ], { stdio: 'ignore' });

    const [auth, courses, coursesB, grades, web] = [
      await freePort(), await freePort(), await freePort(), await freePort(), await freePort(),
    ];
    this.urls = {
      auth: `http://127.0.0.1:${auth}`,
      courses: `http://127.0.0.1:${courses}`,
      coursesB: `http://127.0.0.1:${coursesB}`,
      grades: `http://127.0.0.1:${grades}`,
      web: `http://127.0.0.1:${web}`,
    };
    const common = {
      JWT_PUBLIC_KEY: join(this.tmp, 'keys'),
      CORS_ORIGINS: this.urls.web,
      SEED_DEMO: '1',
      RUST_LOG: 'warn',
      // course-service reads grade-service's completions feed with it.
      COMPLETIONS_TOKEN: randomBytes(24).toString('hex'),
    };
    this.define('auth', join(this.bin, 'auth-service'), [], {
      ...common, BIND: `127.0.0.1:${auth}`, DATABASE_URL: join(this.tmp, 'auth.db'),
      JWT_PRIVATE_KEY: join(this.tmp, 'jwt-private.pem'),
    }, `${this.urls.auth}/healthz`);
    this.define('courses', join(this.bin, 'course-service'), [], {
      ...common, BIND: `127.0.0.1:${courses}`, DATABASE_URL: join(this.tmp, 'courses.db'),
      AUTH_URL: this.urls.auth, GRADES_URL: this.urls.grades,
    }, `${this.urls.courses}/healthz`);
    // A second replica of course-service on the same database: the app
    // fails over to it when the first is gone.
    this.define('courses-b', join(this.bin, 'course-service'), [], {
      ...common, BIND: `127.0.0.1:${coursesB}`, DATABASE_URL: join(this.tmp, 'courses.db'),
      AUTH_URL: this.urls.auth, GRADES_URL: this.urls.grades,
    }, `${this.urls.coursesB}/healthz`);
    this.define('grades', join(this.bin, 'grade-service'), [], {
      ...common, BIND: `127.0.0.1:${grades}`, DATABASE_URL: join(this.tmp, 'grades.db'),
      COURSES_URL: this.urls.courses, AUTH_URL: this.urls.auth,
    }, `${this.urls.grades}/healthz`);

    const config = join(this.tmp, 'config.json');
    writeFileSync(config, JSON.stringify({
      auth: [this.urls.auth], courses: [this.urls.courses, this.urls.coursesB], grades: [this.urls.grades],
    }));
    this.define('static', join(this.repo, 'nginx', 'serve'), [
      '--listen', `127.0.0.1:${web}`, '--config', config, '--state-dir', join(this.tmp, 'nginx'),
    ], {}, `${this.urls.web}/index.html`);

    // Courses first: grades asks it for rosters.
    for (const name of ['auth', 'courses', 'courses-b', 'grades', 'static']) await this.up(name);
  }

  define(name, program, args, env, health) {
    this.nodes.set(name, { program, args, env, health, child: null });
  }

  async up(name) {
    const node = this.nodes.get(name);
    const log = openSync(join(this.logs, `${name}.log`), 'a');
    node.child = spawn(node.program, node.args, {
      env: { ...process.env, ...node.env },
      stdio: ['ignore', log, log],
      // Its own process group: a kill reaches nginx's workers too.
      detached: true,
    });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (node.child.exitCode !== null) throw new Error(`${name} exited at start; see target/e2e/logs/${name}.log`);
      try {
        const response = await fetch(node.health, { signal: AbortSignal.timeout(1000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`${name} did not become healthy in 20 s`);
  }

  /** Sends `signal` to the node's process group and waits for it to go. */
  async down(name, signal = 'SIGKILL') {
    const node = this.nodes.get(name);
    const child = node.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      process.kill(-child.pid, signal);
    } catch {
      child.kill(signal);
    }
    await Promise.race([exited, sleep(10_000)]);
    node.child = null;
  }

  /** SIGSTOP: the node is alive and silent, as a hung process is. */
  pause(name) {
    process.kill(-this.nodes.get(name).child.pid, 'SIGSTOP');
  }

  resume(name) {
    process.kill(-this.nodes.get(name).child.pid, 'SIGCONT');
  }

  stopAll() {
    for (const node of this.nodes.values()) {
      if (node.child && node.child.exitCode === null) {
        try {
          process.kill(-node.child.pid, 'SIGCONT');
          process.kill(-node.child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    if (this.tmp) rmSync(this.tmp, { recursive: true, force: true });
  }
}
