#!/usr/bin/env node
// `npm test`: Biome, the type check and vitest at once rather than one after the other. The tests wait
// on sockets and the database much of the time; the two checks fill those gaps. Vitest prints as it
// goes; the checks' output is held and printed after it, each under its name, so nothing interleaves.
// Exits non-zero when any of the three fails, naming which. Arguments go to vitest.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

/** Runs a command; `held` keeps its output for later instead of passing it through. */
function run(name, command, args, { held }) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: held ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    const chunks = [];
    if (held) {
      child.stdout.on('data', (c) => chunks.push(c));
      child.stderr.on('data', (c) => chunks.push(c));
    }
    const started = Date.now();
    child.on('error', (error) => resolve({ name, code: 1, output: String(error), seconds: 0 }));
    child.on('close', (code, signal) =>
      resolve({
        name,
        code: code ?? (signal ? 1 : 0),
        output: Buffer.concat(chunks).toString('utf8'),
        seconds: (Date.now() - started) / 1000,
      }),
    );
  });
}

const checks = [
  run('lint', bin('biome'), ['check', '.'], { held: true }),
  run(
    'typecheck',
    bin('tsc'),
    ['--noEmit', '--incremental', '--tsBuildInfoFile', 'node_modules/.cache/tsc/tsbuildinfo'],
    { held: true },
  ),
];
const tests = await run('vitest', bin('vitest'), ['run', ...process.argv.slice(2)], { held: false });
const results = [...(await Promise.all(checks)), tests];

for (const { name, code, output, seconds } of results.slice(0, -1)) {
  process.stdout.write(`\n── ${name} (${seconds.toFixed(1)} s): ${code === 0 ? 'passed' : 'FAILED'}\n`);
  if (code !== 0 || output.trim()) process.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
}
const failed = results.filter((r) => r.code !== 0).map((r) => r.name);
if (failed.length > 0) {
  process.stderr.write(`\nnpm test failed: ${failed.join(', ')}\n`);
  process.exitCode = 1;
}
