// autocannon ships no types; only the parts the benchmarks use are declared.
declare module 'autocannon' {
  export type AutocannonRequest = {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    setupRequest?: (request: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest;
  };

  export type AutocannonOptions = {
    url: string;
    connections?: number;
    duration?: number;
    timeout?: number;
    method?: string;
    headers?: Record<string, string>;
    requests?: AutocannonRequest[];
  };

  export type Histogram = { average: number; min: number; max: number; p50: number; p99: number };

  export type AutocannonResult = {
    requests: Histogram & { total: number };
    latency: Histogram;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    statusCodeStats: Record<string, { count: number }>;
  };

  /** Both the promise of the result and the emitter of per-response events. */
  export type AutocannonRun = PromiseLike<AutocannonResult> & {
    on(
      event: 'response',
      listener: (client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => void,
    ): AutocannonRun;
  };

  export default function autocannon(options: AutocannonOptions): AutocannonRun;
}
