import { type LoadPlan, measure } from './load';
import { type RunResult, statusOnly, type Variant } from './variants';

export type VariantRuns = { variant: Variant; runs: RunResult[] };

/**
 * Every variant once per round, `reps` rounds, the order rotated each round so that no variant always
 * follows the same neighbour or always runs first: a shared machine's load drifts, and alternating
 * spreads the drift over all of them.
 */
export async function runRounds(
  variants: Variant[],
  plan: Omit<LoadPlan, 'url'>,
  reps: number,
  onRun: (variant: Variant, run: RunResult, rep: number) => void,
): Promise<VariantRuns[]> {
  const all = variants.map((variant) => ({ variant, runs: [] as RunResult[] }));
  for (let rep = 0; rep < reps; rep++) {
    for (let k = 0; k < all.length; k++) {
      const entry = all[(k + rep) % all.length];
      if (!entry) continue;
      const server = await entry.variant.start(rep);
      let run: RunResult;
      try {
        const load = await measure(server, {
          ...plan,
          url: server.url,
          bodiesFile: entry.variant.bodiesFile ?? plan.bodiesFile,
        });
        const peakRssMb = server.peakRssMb();
        await server.stop();
        const check = entry.variant.verify?.(rep, load) ?? statusOnly(load);
        run = { ...load, peakRssMb, ...check };
      } finally {
        await server.stop();
      }
      entry.runs.push(run);
      onRun(entry.variant, run, rep);
    }
  }
  return all;
}

export type Spread = { median: number; min: number; max: number };

export function spread(values: Array<number | undefined>): Spread {
  const known = values
    .filter((v): v is number => v !== undefined && Number.isFinite(v))
    .sort((a, b) => a - b);
  if (known.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const mid = Math.floor(known.length / 2);
  const median =
    known.length % 2 ? (known[mid] as number) : ((known[mid - 1] as number) + (known[mid] as number)) / 2;
  return { median, min: known[0] as number, max: known[known.length - 1] as number };
}

/** Medians (and ranges) of one variant's runs. */
export type Summary = {
  key: string;
  name: string;
  rps: Spread;
  p50: Spread;
  p99: Spread;
  cpuUs: Spread;
  cpuShare: Spread;
  peakRssMb: number;
  problems: string[];
  verified: string[];
};

export function summarize({ variant, runs }: VariantRuns): Summary {
  return {
    key: variant.key,
    name: variant.name,
    rps: spread(runs.map((r) => r.rps)),
    p50: spread(runs.map((r) => r.p50)),
    p99: spread(runs.map((r) => r.p99)),
    cpuUs: spread(runs.map((r) => r.cpuUsPerRequest)),
    cpuShare: spread(runs.map((r) => r.cpuShare)),
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb ?? Number.NaN)),
    problems: runs.flatMap((r, i) => r.problems.map((p) => `run ${i + 1}: ${p}`)),
    verified: runs.map((r) => r.verified),
  };
}
