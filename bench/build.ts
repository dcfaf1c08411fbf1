import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './processes';

/** How a TypeScript entry point is turned into node arguments. */
export type Launcher = { label: string; args(entry: string): string[] };

const ENTRIES = ['src/server.ts', 'bench/bare-express.ts', 'bench/emulator-child.ts'];
const OUT_DIR = join(REPO_ROOT, 'bench', '.build');

const TSX: Launcher = {
  label: '`node --import tsx` (as `npm start`, without the tsx CLI wrapper)',
  args: (entry) => ['--import', 'tsx', entry],
};

/**
 * "built" bundles every server with esbuild (shipped with tsx) and runs it with plain node: the tsx
 * loader alone adds ~50 MB of RSS to the service, which would blur the memory target. Dependencies stay
 * external and resolve from the repository's node_modules, hence the output folder inside bench/.
 */
export async function prepareLauncher(kind: 'built' | 'tsx'): Promise<Launcher> {
  if (kind === 'tsx') return TSX;
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    console.error('esbuild not found: running the servers with tsx instead');
    return TSX;
  }
  await esbuild.build({
    entryPoints: ENTRIES.map((entry) => join(REPO_ROOT, entry)),
    outdir: OUT_DIR,
    outbase: REPO_ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  return {
    label: 'bundled with esbuild, run by plain `node`',
    args: (entry) => [join(OUT_DIR, entry.replace(/\.ts$/, '.js'))],
  };
}

export function removeBuild(): void {
  rmSync(OUT_DIR, { recursive: true, force: true });
}
