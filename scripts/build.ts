// `npm run build`: the service as one ES module per entry point in dist/, run by plain node.
import { cpSync, existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The bundle keeps dependencies external: they load from node_modules as they are (better-sqlite3 is
 * native anyway), and only our own TypeScript is compiled and joined. The output must sit inside the
 * repository so that node_modules resolves from it.
 */
export function bundleOptions(entries: string[], outdir: string, outbase = REPO_ROOT): BuildOptions {
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
 */
export async function startFlags(): Promise<string[]> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const start = pkg.scripts.start ?? '';
  return start.split(/\s+/).filter((word) => /^--[\w-]+(=\S+)?$/.test(word));
}

async function main(): Promise<void> {
  const esbuild = await import('esbuild');
  await esbuild.build(bundleOptions(['src/server.ts'], join(REPO_ROOT, 'dist'), join(REPO_ROOT, 'src')));
  copyPages(join(REPO_ROOT, 'dist'));
}

/** The static pages (console, API reference) beside the bundle, where http/static-pages.ts looks. */
export function copyPages(outdir: string): void {
  for (const feature of ['console', 'openapi']) {
    const from = join(REPO_ROOT, 'src', feature, 'public');
    if (existsSync(from)) cpSync(from, join(outdir, feature, 'public'), { recursive: true });
  }
}

// Run directly (not imported by the benchmark); real paths, so a symlinked checkout counts too.
if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url)))
  await main();
