import dotenv from 'dotenv';
import { type Config, loadConfig } from '../config';
import { openDatabase, parseDatabaseUrl } from '../db/database';
import { createLogger } from '../logger';
import { optOutRules } from '../opt-outs';
import { applierFor } from './callback-writer';
import { reapplyQuarantined } from './quarantine.service';
import { type OutcomeCounts, reapplyStoredCallbacks } from './reapply.service';

/**
 * `npm run callbacks -- reapply`: applies what the callback log kept without applying, and what the
 * quarantine kept of refused callbacks, with this release's schemas and the configuration in the
 * environment (and `.env`), the service's own. Prints what it did; logs (warnings and errors only)
 * go to stderr as JSON lines.
 */

const USAGE = `usage: npm run callbacks -- reapply

  reapply   apply the stored callbacks that did not fit (invalid) or whose batch was unknown
            (unmatched) through the normal apply path, then verify the callbacks refused with 401
            (the quarantine) again with the secrets configured now and apply those that pass;
            safe to run twice and beside the service`;

/** `applied 3, unmatched 2` in a stable order, or `none`. */
export function formatCounts(counts: OutcomeCounts): string {
  const entries = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? 'none' : entries.map(([outcome, n]) => `${outcome} ${n}`).join(', ');
}

const total = (counts: OutcomeCounts) => Object.values(counts).reduce((sum, n) => sum + n, 0);

async function reapply(config: Config): Promise<void> {
  const log = createLogger('warn', process.stderr);
  const db = await openDatabase(parseDatabaseUrl(config.databaseUrl), log, {
    sqliteSynchronous: config.sqliteSynchronous,
  });
  try {
    const rules = optOutRules(config.optOuts);
    const stored = await reapplyStoredCallbacks(db, rules, log);
    process.stdout.write(
      `stored callbacks tried again: ${total(stored)} (by outcome now: ${formatCounts(stored)})\n`,
    );
    if (stored.unstorable) {
      process.stdout.write(
        `  unstorable ${stored.unstorable}: still refused by the database as they are, left invalid (their problem says why)\n`,
      );
    }
    if (stored.no_payload) {
      process.stdout.write(
        `  no_payload ${stored.no_payload}: stored without their payload (the log was over its bound), nothing to apply\n`,
      );
    }
    const quarantine = await reapplyQuarantined(db, config, applierFor(rules), log);
    process.stdout.write(
      quarantine.skipped
        ? 'quarantine: left as it is, since no callback authentication is configured\n'
        : `quarantined callbacks verified again: ${total(quarantine.outcomes)} (${formatCounts(quarantine.outcomes)}); ${quarantine.purged} purged for age\n`,
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
