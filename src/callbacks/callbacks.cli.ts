import dotenv from 'dotenv';
import { type Config, loadConfig } from '../config';
import { openDatabase, parseDatabaseUrl } from '../db/database';
import { createLogger } from '../logger';
import { optOutRules } from '../opt-outs';
import { type OutcomeCounts, reapplyStoredCallbacks } from './reapply.service';

/**
 * `npm run callbacks -- reapply`: applies what the callback log kept without applying, with this
 * release's schemas and the configuration in the environment (and `.env`), the service's own. Prints
 * what it did; logs (warnings and errors only) go to stderr as JSON lines.
 */

const USAGE = `usage: npm run callbacks -- reapply

  reapply   apply the stored callbacks that did not fit (invalid) or whose batch was unknown
            (unmatched) through the normal apply path; safe to run twice and beside the service`;

/** `applied 3, unmatched 2` in a stable order, or `none`. */
export function formatCounts(counts: OutcomeCounts): string {
  const entries = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? 'none' : entries.map(([outcome, n]) => `${outcome} ${n}`).join(', ');
}

async function reapply(config: Config): Promise<void> {
  const log = createLogger('warn', process.stderr);
  const db = await openDatabase(parseDatabaseUrl(config.databaseUrl), log);
  try {
    const stored = await reapplyStoredCallbacks(db, optOutRules(config.optOuts), log);
    const total = Object.values(stored).reduce((sum, n) => sum + n, 0);
    process.stdout.write(
      `stored callbacks tried again: ${total} (by outcome now: ${formatCounts(stored)})\n`,
    );
  } finally {
    await db.destroy();
  }
}

async function main(args: string[]): Promise<number> {
  if (args[0] !== 'reapply' || args.length > 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  dotenv.config({ quiet: true });
  const result = loadConfig(process.env);
  if (!result.ok) {
    process.stderr.write(`invalid configuration:\n  ${result.errors.join('\n  ')}\n`);
    return 1;
  }
  await reapply(result.config);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
