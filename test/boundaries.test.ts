import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const BIOME = join(ROOT, 'node_modules', '.bin', 'biome');

/** Biome's lint of one file written into src/ for the moment: its exit code and what it printed. */
function lintProbe(path: string, source: string): { failed: boolean; output: string } {
  const file = join(ROOT, path);
  writeFileSync(file, source);
  try {
    const output = execFileSync(BIOME, ['lint', '--colors=off', path], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: 'pipe',
    });
    return { failed: false, output };
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    return { failed: true, output: `${stdout}${stderr}` };
  } finally {
    rmSync(file, { force: true });
  }
}

// Each probe adds an edge no loop can close, so the import-graph test stays green if it runs meanwhile.
describe('the import boundaries Biome enforces (biome.json overrides)', () => {
  it.each([
    ['a feature reaching into another feature', 'src/sending/zz-probe.ts', '../tracking/status'],
    ['core importing anything of ours', 'src/core/zz-probe.ts', '../metrics/metrics'],
    ['a shared layer importing a feature', 'src/http/zz-probe.ts', '../tracking'],
  ])('When %s is added, then lint fails with noRestrictedImports', (_what, path, target) => {
    const { failed, output } = lintProbe(path, `export * from '${target}';\n`);
    expect(failed, output).toBe(true);
    expect(output).toContain('lint/style/noRestrictedImports');
  });

  it("When a feature imports another feature's entry file, then lint passes", () => {
    const { failed, output } = lintProbe(
      'src/sending/zz-probe.ts',
      "export { statusRank } from '../tracking';\n",
    );
    expect(failed, output).toBe(false);
  });
});
