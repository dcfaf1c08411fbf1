import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bundleOptions, copyPages, startFlags } from '../scripts/build.mjs';
import { CHILD_PROCESS_TEST_TIMEOUT_MS, ROOT } from './helpers/process';

// The other process tests run the TypeScript sources through tsx; `npm start` runs the esbuild bundle
// with its own node flags. This one builds the bundle as `npm run build` does and runs it as `npm start`
// does, so that a module the bundle cannot load fails here and not in production.
// Inside the repository, so that the bundle finds node_modules as dist/ does.
const OUT = join(ROOT, 'node_modules', '.cache', 'bundle-test');
const children: ChildProcess[] = [];

beforeAll(async () => {
  await build(bundleOptions(['src/server.ts'], OUT, join(ROOT, 'src')));
  copyPages(OUT);
}, 60_000);

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(OUT, { recursive: true, force: true });
});

it(
  'When the service is built and started as npm start does, then it serves, stores a callback and stops cleanly on SIGTERM',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-bundle-'));
    const file = join(dir, 'sms.sqlite');
    const child = spawn(process.execPath, [...(await startFlags()), join(OUT, 'server.js')], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: `sqlite:${file}`,
        SINCH_SERVICE_PLAN_ID: 'plan',
        SINCH_API_TOKEN: 'test-token-not-real',
        SINCH_NUMBER: '+15550001111',
        // Never a Sinch host: this test sends nothing.
        SINCH_API_BASE_URL: 'http://127.0.0.1:9',
      },
    });
    children.push(child);
    let output = '';
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    const port = await new Promise<number>((done, fail) => {
      child.stdout?.on('data', (chunk) => {
        output += chunk;
        const match = output.match(/server listening on http:\/\/localhost:(\d+)/);
        if (match) done(Number(match[1]));
      });
      child.on('exit', () => fail(new Error(`the bundle exited early:\n${output}`)));
    });
    const base = `http://127.0.0.1:${port}`;

    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    // The pages ship beside the bundle: the console, the API reference and its assets, the document.
    for (const [path, type] of [
      ['/', 'text/html'],
      ['/console/app.js', 'javascript'],
      ['/docs/', 'text/html'],
      ['/docs/assets/swagger-ui-bundle.js', 'javascript'],
      ['/openapi.json', 'application/json'],
    ] as const) {
      const page = await fetch(`${base}${path}`);
      expect(`${path} ${page.status} ${page.headers.get('content-type')}`).toMatch(`${path} 200 `);
      expect(page.headers.get('content-type'), path).toContain(type);
    }
    const callback = await fetch(`${base}/webhooks/dlr`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        type: 'recipient_delivery_report_sms',
        batch_id: '01JBUNDLE00000000000000000',
        recipient: '15551234567',
        status: 'Delivered',
        code: 0,
        at: '2026-11-28T10:00:00.000Z',
      }),
    });
    expect(callback.status).toBe(200);

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code, output).toBe(0);
    expect(output).toContain('shut down cleanly');

    const sqlite = new Database(file, { readonly: true });
    const rows = sqlite.prepare('select batch_id, outcome from callbacks').all();
    sqlite.close();
    expect(rows).toEqual([{ batch_id: '01JBUNDLE00000000000000000', outcome: 'unmatched' }]);
    rmSync(dir, { recursive: true, force: true });
  },
  CHILD_PROCESS_TEST_TIMEOUT_MS,
);

it("When the bundle's imports are listed, then each is a production dependency, and npm start runs plain node over dist/", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
    dependencies: Record<string, string>;
  };
  const bundle = readFileSync(join(OUT, 'server.js'), 'utf8');
  const imported = new Set(
    [...bundle.matchAll(/(?:from|import\(|require\()\s*["']([^"'./][^"']*)["']/g)]
      .map((match) => match[1] ?? '')
      .filter((name) => !name.startsWith('node:'))
      .map((name) =>
        name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : (name.split('/')[0] ?? ''),
      ),
  );
  expect(imported.size).toBeGreaterThan(5);
  expect([...imported].filter((name) => !(name in pkg.dependencies))).toEqual([]);
  // npm start is plain node over what prepare built: no compiler at start-up.
  expect(pkg.scripts.start).toMatch(/^node .*dist\/server\.js$/);
  expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
  expect(Object.keys(pkg.dependencies)).not.toContain('esbuild');
  expect(pkg.scripts.prestart).toBeUndefined();
});
