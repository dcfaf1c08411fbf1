import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bundleOptions, startFlags } from '../scripts/build.mjs';
import { REPO_ROOT } from './processes';

/** How a TypeScript entry point is turned into node arguments. */
export type Launcher = { label: string; args(entry: string): string[] };

export const SERVICE = 'src/server.ts';
const ENTRIES = [SERVICE, 'bench/bare-express.ts', 'bench/guide-app.ts', 'bench/emulator-child.ts'];
const OUT_DIR = join(REPO_ROOT, 'bench', '.build');
const REVISIONS_DIR = join(OUT_DIR, 'revisions');

/** An entry that is the service, of this tree or of a revision: it gets the flags of `npm start`. */
const isService = (entry: string) => entry === SERVICE || entry.startsWith(REVISIONS_DIR);

/**
 * "built" bundles every server as `npm run build` does and runs it with plain node, the service with
 * the node flags of `npm start`; "tsx" runs the TypeScript sources through the tsx loader, which alone
 * adds ~50 MB of RSS. The baseline apps run with node's defaults either way.
 */
export async function prepareLauncher(kind: 'built' | 'tsx'): Promise<Launcher> {
  // BENCH_SERVICE_FLAGS adds node flags to the service only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const extra = (process.env.BENCH_SERVICE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const flags = [...(await startFlags()), ...extra];
  const serviceFlags = (entry: string) => (isService(entry) ? flags : []);
  const bundled = (entry: string) => entry.startsWith(REVISIONS_DIR);
  if (kind === 'tsx') {
    return {
      label: `\`node ${flags.join(' ')} --import tsx\` (the sources, without the tsx CLI wrapper)`,
      args: (entry) => [...serviceFlags(entry), ...(bundled(entry) ? [] : ['--import', 'tsx']), entry],
    };
  }
  const esbuild = await import('esbuild');
  await esbuild.build(bundleOptions(ENTRIES, OUT_DIR));
  return {
    label: `bundled as by \`npm run build\`, run as by \`npm start\` (\`node ${flags.join(' ')}\`)`,
    args: (entry) => [
      ...serviceFlags(entry),
      bundled(entry) ? entry : join(OUT_DIR, entry.replace(/\.ts$/, '.js')),
    ],
  };
}

/**
 * The service as it was at a git revision, bundled the same way, for A/B runs against it (`--compare`):
 * its src/ is extracted under bench/.build (inside the repository, so node_modules resolves from it).
 * Returns the bundle's path and the short commit id.
 */
export async function buildRevision(rev: string): Promise<{ entry: string; commit: string }> {
  const commit = execFileSync('git', ['rev-parse', '--short', `${rev}^{commit}`], { cwd: REPO_ROOT })
    .toString()
    .trim();
  const root = join(REVISIONS_DIR, commit);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const archive = execFileSync('git', ['archive', commit, 'src'], { cwd: REPO_ROOT, maxBuffer: 1 << 28 });
  execFileSync('tar', ['-x', '-C', root], { input: archive });
  const esbuild = await import('esbuild');
  await esbuild.build({
    ...bundleOptions([], join(root, 'out'), root),
    entryPoints: [join(root, 'src', 'server.ts')],
  });
  return { entry: join(root, 'out', 'src', 'server.js'), commit };
}

export function removeBuild(): void {
  rmSync(OUT_DIR, { recursive: true, force: true });
}
