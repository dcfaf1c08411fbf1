import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The server's sources in one node process with tsx as a loader: the code `npm start` bundles, with no
 * build step and no wrapper process (signals reach the server's own handlers). Absolute paths, so it
 * runs from any working directory.
 */
export function serverCommand(entry = 'src/server.ts'): [string, string[]] {
  const tsx = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href;
  return [process.execPath, ['--import', tsx, join(ROOT, entry)]];
}

/**
 * The time a test that starts the server as a child process may take, above the suite's 10 s: node boots,
 * tsx compiles the sources, the service opens its database, all before the test proper begins. That is
 * about 2 s on an idle 2-core machine and several times as long when the machine is busy.
 */
export const CHILD_PROCESS_TEST_TIMEOUT_MS = 30_000;
