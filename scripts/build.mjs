// @ts-check
// `npm run build`, and `prepare` (which `npm ci` runs): the service as one ES module per entry point in
// dist/, run by plain node. Plain JavaScript, so that it needs nothing but node and esbuild to run.

import { cpSync, existsSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The bundle keeps dependencies external: they load from node_modules as they are (better-sqlite3 is
 * native anyway), and only our own TypeScript is compiled and joined. The output must sit inside the
 * repository so that node_modules resolves from it.
 *
 * @param {string[]} entries
 * @param {string} outdir
 * @param {string} [outbase]
 * @returns {import('esbuild').BuildOptions}
 */
export function bundleOptions(entries, outdir, outbase = REPO_ROOT) {
  return {
    entryPoints: entries.map((entry) => join(REPO_ROOT, entry)),
    outdir,
    outbase,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  };
}

/**
 * Node flags of `npm start`, read from package.json so the benchmark runs the service the same way.
 * The one flag today caps V8's young generation at 4 MB a half (16 MB by default): under a load of
 * callbacks that keeps the process about 30 MB smaller, for a few percent of throughput.
 *
 * @returns {Promise<string[]>}
 */
export async function startFlags() {
  const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8'));
  const start = String(pkg.scripts?.start ?? '');
  return start.split(/\s+/).filter((word) => /^--[\w-]+(=\S+)?$/.test(word));
}

/**
 * esbuild, or undefined where it is not installed: a production install (`npm ci --omit=dev`) has no
 * dev dependencies, and `prepare` still runs there.
 *
 * @returns {Promise<typeof import('esbuild') | undefined>}
 */
async function loadEsbuild() {
  try {
    return await import('esbuild');
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

/** @param {string[]} args */
async function main(args) {
  const esbuild = await loadEsbuild();
  if (!esbuild) {
    const dist = join(REPO_ROOT, 'dist', 'server.js');
    // `--if-esbuild`: `prepare` in a production install keeps the dist/ that was built beforehand.
    if (!args.includes('--if-esbuild'))
      throw new Error('esbuild is not installed: run npm ci (with dev dependencies)');
    console.warn(
      existsSync(dist)
        ? 'esbuild is not installed (production install): keeping the dist/ built before'
        : 'esbuild is not installed (production install) and dist/ is missing: build it where dev dependencies are installed (npm run build)',
    );
    return;
  }
  // The service, and the operator's command for stored callbacks (`npm run callbacks -- reapply`).
  const entries = ['src/server.ts', 'src/callbacks/callbacks.cli.ts'];
  await esbuild.build(bundleOptions(entries, join(REPO_ROOT, 'dist'), join(REPO_ROOT, 'src')));
  copyPages(join(REPO_ROOT, 'dist'));
}

/**
 * The static pages (console, API reference) beside the bundle, where http/static-pages.ts looks.
 *
 * @param {string} outdir
 */
export function copyPages(outdir) {
  for (const feature of ['console', 'openapi']) {
    const from = join(REPO_ROOT, 'src', feature, 'public');
    if (existsSync(from)) cpSync(from, join(outdir, feature, 'public'), { recursive: true });
  }
}

// Run directly (not imported by the benchmark); real paths, so a symlinked checkout counts too.
if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url)))
  await main(process.argv.slice(2));
