import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { bundleOptions, startFlags } from '../scripts/build.mjs';
import { REPO_ROOT } from './processes';

/** How a TypeScript entry point is turned into node arguments. */
export type Launcher = { label: string; args(entry: string): string[] };

const SERVICE = 'src/server.ts';
const ENTRIES = [SERVICE, 'bench/bare-express.ts', 'bench/emulator-child.ts'];
const OUT_DIR = join(REPO_ROOT, 'bench', '.build');

/**
 * "built" bundles every server as `npm run build` does and runs it with plain node, the service with
 * the node flags of `npm start`; "tsx" runs the TypeScript sources through the tsx loader, which alone
 * adds ~50 MB of RSS. The baseline apps run with node's defaults either way.
 */
export async function prepareLauncher(kind: 'built' | 'tsx'): Promise<Launcher> {
  const flags = await startFlags();
  const serviceFlags = (entry: string) => (entry === SERVICE ? flags : []);
  if (kind === 'tsx') {
    return {
      label: `\`node ${flags.join(' ')} --import tsx\` (the sources, without the tsx CLI wrapper)`,
      args: (entry) => [...serviceFlags(entry), '--import', 'tsx', entry],
    };
  }
  const esbuild = await import('esbuild');
  await esbuild.build(bundleOptions(ENTRIES, OUT_DIR));
  return {
    label: `bundled as by \`npm run build\`, run as by \`npm start\` (\`node ${flags.join(' ')}\`)`,
    args: (entry) => [...serviceFlags(entry), join(OUT_DIR, entry.replace(/\.ts$/, '.js'))],
  };
}

export function removeBuild(): void {
  rmSync(OUT_DIR, { recursive: true, force: true });
}
