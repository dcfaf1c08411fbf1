import autocannon from 'autocannon';
import axios from 'axios';

/** One measured phase, whichever client produced it. Latencies in milliseconds. */
export type LoadResult = {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** 2xx answers including the warm-up, which a verification must account for too. */
  okIncludingWarmup: number;
  /** Requests started (bodies built), an upper bound on what the server can have received. */
  sent: number;
  /** Slowest answer of the warm-up: first requests on new connections wait for the busy server to accept. */
  warmupMaxMs: number;
};

export type LoadPlan = {
  url: string;
  path: string;
  connections: number;
  warmupS: number;
  durationS: number;
  /** The JSON body of the n-th request of the run (warm-up included), so every request can differ. */
  body: (n: number) => string;
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Splits answers into warm-up and measured ones by when their request started. */
class Recorder {
  private readonly started = performance.now();
  private readonly latencies: number[] = [];
  private readonly counts = { ok: 0, non2xx: 0, warmupOk: 0 };
  private warmupMaxMs = 0;

  constructor(private readonly plan: LoadPlan) {}

  answer(status: number, latencyMs: number): void {
    const now = performance.now();
    const ok = status >= 200 && status < 300;
    if (now - latencyMs - this.started < this.plan.warmupS * 1000) {
      this.warmupMaxMs = Math.max(this.warmupMaxMs, latencyMs);
      if (ok) this.counts.warmupOk++;
      return;
    }
    // Only answers inside the measured window count towards the rate.
    if (now - this.started > (this.plan.warmupS + this.plan.durationS) * 1000) return;
    this.latencies.push(latencyMs);
    if (ok) this.counts.ok++;
    else this.counts.non2xx++;
  }

  result(errors: number, okIncludingWarmup: number, sent: number): LoadResult {
    const sorted = this.latencies.sort((a, b) => a - b);
    return {
      rps: sorted.length / this.plan.durationS,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      ok: this.counts.ok,
      non2xx: this.counts.non2xx,
      errors,
      okIncludingWarmup,
      sent,
      warmupMaxMs: this.warmupMaxMs,
    };
  }
}

/**
 * One autocannon run of warm-up + measured time on the same connections; only requests started after
 * the warm-up are measured, so connection set-up and cold code stay out of the figures.
 */
export async function autocannonLoad(plan: LoadPlan): Promise<LoadResult> {
  let n = 0;
  const recorder = new Recorder(plan);
  const run = autocannon({
    url: plan.url,
    connections: plan.connections,
    duration: plan.warmupS + plan.durationS,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: plan.path,
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: plan.body(n++) }),
      },
    ],
  });
  run.on('response', (_client, status, _bytes, latencyMs) => recorder.answer(status, latencyMs));
  const result = await run;
  return recorder.result(result.errors, result['2xx'], n);
}

/**
 * The same shape of load with axios, the client the service itself uses to call Sinch: `connections`
 * requests always in flight, each loop starting its next request when the previous one answers.
 */
export async function axiosLoad(plan: LoadPlan & { headers: Record<string, string> }): Promise<LoadResult> {
  // Like the service's client: default agent (keep-alive on Node ≥ 19), every status handled by us.
  const http = axios.create({ baseURL: plan.url, headers: plan.headers, validateStatus: () => true });
  const recorder = new Recorder(plan);
  const end = performance.now() + (plan.warmupS + plan.durationS) * 1000;
  let n = 0;
  let ok = 0;
  let errors = 0;
  const loop = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const body = plan.body(n++);
      try {
        const response = await http.post(plan.path, body, { timeout: 10_000 });
        recorder.answer(response.status, performance.now() - t0);
        if (response.status >= 200 && response.status < 300) ok++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: plan.connections }, loop));
  return recorder.result(errors, ok, n);
}
