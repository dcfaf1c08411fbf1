import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadResult } from './load';
import { SERVER_CORE } from './pinning';
import { type Child, freePort, startNode } from './processes';
import { serviceEnv } from './service-env';

/** One run of one variant, with what was checked after it. */
export type RunResult = LoadResult & {
  peakRssMb: number | undefined;
  /** What was checked after the run, in words. */
  verified: string;
  /** Anything that makes the figures doubtful; empty when the run is sound. */
  problems: string[];
};

/** A server under test: how to start it for one run and how to check the run afterwards. */
export type Variant = {
  key: string;
  name: string;
  /** Its own bodies, when they differ from the round's (the large table's reports). */
  bodiesFile?: string;
  /** Starts the server for run `rep`, on a fresh database when it has one. */
  start(rep: number): Promise<Child>;
  /** Checks the run against what the server stored; by default the status codes only. */
  verify?(rep: number, load: LoadResult): { verified: string; problems: string[] };
};

/** A baseline app with no database: pinned like the service, stdout to a file. */
export function plainApp(key: string, name: string, entry: string, dir: string): Variant {
  return {
    key,
    name,
    start: async (rep) =>
      startNode(
        name,
        entry,
        { PORT: String(await freePort()) },
        {
          core: SERVER_CORE,
          stdoutFile: join(dir, `${key}-${rep}.log`),
        },
      ),
  };
}

/**
 * The service (this tree's or a revision's bundle) on a copy of a database prepared once per variant,
 * so that every run starts from the same rows; LOG_LEVEL as given, stdout to a file.
 */
export async function serviceVariant(opts: {
  key: string;
  name: string;
  entry: string;
  dir: string;
  logLevel: string;
  /** Writes the rows the runs start from into a database the service itself has migrated. */
  seed?: (path: string) => Promise<void> | void;
  extraEnv?: (rep: number) => Record<string, string>;
  verify?: (path: string, load: LoadResult) => { verified: string; problems: string[] };
}): Promise<Variant> {
  const template = join(opts.dir, `${opts.key}-template.sqlite`);
  // The service creates its own schema (its own migrations: a revision may have fewer than this tree).
  const first = await startNode(
    opts.name,
    opts.entry,
    serviceEnv({ port: await freePort(), databasePath: template, logLevel: 'warn' }),
  );
  await first.stop();
  await opts.seed?.(template);
  const pathOf = (rep: number) => join(opts.dir, `${opts.key}-${rep}.sqlite`);
  return {
    key: opts.key,
    name: opts.name,
    async start(rep) {
      copyFileSync(template, pathOf(rep));
      // A stale -wal of an earlier run must not be replayed into the copy.
      for (const suffix of ['-wal', '-shm']) rmSync(`${pathOf(rep)}${suffix}`, { force: true });
      const env = {
        ...serviceEnv({ port: await freePort(), databasePath: pathOf(rep), logLevel: opts.logLevel }),
        ...opts.extraEnv?.(rep),
      };
      return startNode(opts.name, opts.entry, env, {
        core: SERVER_CORE,
        stdoutFile: join(opts.dir, `${opts.key}-${rep}.log`),
      });
    },
    verify: opts.verify ? (rep, load) => opts.verify?.(pathOf(rep), load) ?? statusOnly(load) : undefined,
  };
}

export function statusOnly(load: LoadResult): { verified: string; problems: string[] } {
  const problems =
    load.non2xx + load.errors > 0 ? [`${load.non2xx} non-2xx answers, ${load.errors} errors`] : [];
  return { verified: 'status codes', problems };
}
