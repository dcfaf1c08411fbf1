// The load generator where wrk is missing: autocannon in a process of its own (pinned like wrk would
// be), so it does not share an event loop with the benchmark's bookkeeping. Same input and output as
// bench/wrk-bodies.lua: bodies from a file from a given line on, one "BENCH {json}" line at the end.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const [url, connections, durationS, file, start] = process.argv.slice(2);
const bodies = readFileSync(String(file), 'utf8').split('\n').filter(Boolean);
let sent = 0;
const next = () => bodies[(Number(start) + sent++) % bodies.length] ?? '';

const result = await autocannon({
  url: String(url),
  connections: Number(connections),
  duration: Number(durationS),
  timeout: 10,
  requests: [
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      setupRequest: (request) => ({ ...request, body: next() }),
    },
  ],
});
const summary = {
  requests: result.requests.total,
  durationUs: result.duration * 1e6,
  connect: 0,
  read: result.errors - result.timeouts,
  write: 0,
  status: result.non2xx,
  timeout: result.timeouts,
  p50Us: result.latency.p50 * 1000,
  p99Us: result.latency.p99 * 1000,
  maxUs: result.latency.max * 1000,
  sent,
};
console.log(`BENCH ${JSON.stringify(summary)}`);
