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
