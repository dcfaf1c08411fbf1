/**
 * 50 hostile callback bodies at once against the service, as issue 13 item 2 measures it: the peak RSS
 * of the service process and the longest wait for GET /health/live while they are answered.
 *
 *   npm run build && node --import tsx bench/hostile-bodies.ts [count]
 *
 * BENCH_ONLY=0…3 sends only one kind of body; BENCH_TSX=1 runs src/server.ts through tsx instead of
 * dist/server.js (its RSS is about 60 MB higher, the loader's); BENCH_DATABASE_URL=postgres://… runs it on
 * that (empty) PostgreSQL database instead. The service runs as a child process (SQLite in a temp folder
 * unless told, callback authentication off as by default). The bodies: 1.8 MB nested 900,000 deep with a Content-Length
 * (refused from the header), the same sent chunked (refused once 256 KiB have arrived), 250 KB nested
 * deep (refused by the depth scan) and 250 KB wide objects of an unknown type (stored). Targets: RSS
 * under 300 MB, /health/live never stalled over 200 ms.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

const COUNT = Number(process.argv[2] ?? 50);

const nested = (bytes: number) => {
  const depth = Math.floor(bytes / 6);
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
};
const wide = (bytes: number) => {
  const fields: string[] = [];
  for (let i = 0; fields.length * 24 < bytes; i += 1) fields.push(`"k${i}":"${'x'.repeat(14)}"`);
  return `{"type":"not_a_sinch_type",${fields.join(',')}}`;
};

const ALL_BODIES = [
  { name: '1.8 MB nested, Content-Length', body: nested(1_800_000), chunked: false },
  { name: '1.8 MB nested, chunked', body: nested(1_800_000), chunked: true },
  { name: '250 KB nested', body: `{"type":"mo_text","body":${nested(250_000)}}`, chunked: false },
  { name: '250 KB wide, unknown type', body: wide(250_000), chunked: false },
];
/** BENCH_ONLY=2 sends only the third kind, to see which one costs what. */
const BODIES = process.env.BENCH_ONLY
  ? [ALL_BODIES[Number(process.env.BENCH_ONLY)] as (typeof ALL_BODIES)[number]]
  : ALL_BODIES;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function post(port: number, body: string, chunked: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json' };
    if (!chunked) headers['content-length'] = Buffer.byteLength(body);
    const req = http.request(
      { host: '127.0.0.1', port, path: '/webhooks/dlr', method: 'POST', headers },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    // The server may answer 413 and close before the whole body is written.
    req.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EPIPE' || error.code === 'ECONNRESET' ? resolve(413) : reject(error),
    );
    if (chunked) {
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.slice(i, i + 64 * 1024));
      req.end();
    } else req.end(body);
  });
}

function live(port: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/health/live', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - started));
      })
      .on('error', reject);
  });
}

/**
 * GET /health/live every 10 ms and the service's RSS, from a worker thread (its own event loop), until
 * stopped: the slowest answer and the highest RSS seen.
 */
function startProbe(port: number, pid: number): { stop(): Promise<{ slowest: number; peakRssMb: number }> } {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const http = require('node:http');
    const { readFileSync } = require('node:fs');
    let running = true;
    let slowest = 0;
    let peakRssMb = 0;
    parentPort.on('message', () => { running = false; });
    const live = () => new Promise((resolve, reject) => {
      const started = performance.now();
      http.get({ host: '127.0.0.1', port: workerData.port, path: '/health/live', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - started));
      }).on('error', reject);
    });
    (async () => {
      while (running) {
        const m = /VmRSS:\\s+(\\d+) kB/.exec(readFileSync('/proc/' + workerData.pid + '/status', 'utf8'));
        peakRssMb = Math.max(peakRssMb, Number(m ? m[1] : 0) / 1024);
        slowest = Math.max(slowest, await live());
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      parentPort.postMessage({ slowest, peakRssMb });
    })();
  `;
  const worker = new Worker(source, { eval: true, workerData: { port, pid } });
  return {
    stop: async () => {
      worker.postMessage('stop');
      const [result] = (await once(worker, 'message')) as [{ slowest: number; peakRssMb: number }];
      await worker.terminate();
      return result;
    },
  };
}

const rssMb = (pid: number) => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
};

const dir = mkdtempSync(join(tmpdir(), 'bench-hostile-'));
const port = await freePort();
const child = spawn(
  process.execPath,
  process.env.BENCH_TSX ? ['--import', 'tsx', 'src/server.ts'] : ['dist/server.js'],
  {
    env: {
      ...process.env,
      SINCH_SERVICE_PLAN_ID: 'bench',
      SINCH_API_TOKEN: 'bench-token-not-real',
      SINCH_NUMBER: '+15550001111',
      DATABASE_URL: process.env.BENCH_DATABASE_URL ?? `sqlite:${join(dir, 'sms.sqlite')}`,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_WEBHOOK: '0',
      RECONCILE_INTERVAL_SECONDS: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
try {
  for (let tries = 0; ; tries += 1) {
    try {
      await live(port);
      break;
    } catch (error) {
      if (tries > 300) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const pid = child.pid as number;
  // The machine's own noise: the slowest /health/live over a second with nothing else sent.
  let baseline = 0;
  for (const until = performance.now() + 1000; performance.now() < until; ) {
    baseline = Math.max(baseline, await live(port));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const before = rssMb(pid);
  // The probe runs on a thread of its own: on this one, writing 50 large bodies holds the event loop
  // for hundreds of milliseconds, and a probe here measured that instead of the service.
  const probe = startProbe(port, pid);
  const started = performance.now();
  const statuses = await Promise.all(
    Array.from({ length: COUNT }, (_, i) => {
      const { body, chunked } = BODIES[i % BODIES.length] as (typeof BODIES)[number];
      return post(port, body, chunked);
    }),
  );
  const tookMs = performance.now() - started;
  const { slowest, peakRssMb } = await probe.stop();
  const peak = Math.max(before, peakRssMb);
  const byStatus = new Map<string, number>();
  for (const [i, status] of statuses.entries()) {
    const key = `${BODIES[i % BODIES.length]?.name}: ${status}`;
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
  }
  console.log(`${COUNT} hostile bodies at once, answered in ${tookMs.toFixed(0)} ms`);
  for (const [key, n] of byStatus) console.log(`  ${n} × ${key}`);
  console.log(`RSS before ${before.toFixed(0)} MB, peak ${peak.toFixed(0)} MB (target < 300 MB)`);
  console.log(
    `slowest /health/live ${slowest.toFixed(0)} ms (target < 200 ms); idle baseline ${baseline.toFixed(0)} ms; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`,
  );
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}
