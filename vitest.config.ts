import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Once per run: the migrated SQLite template and the PostgreSQL check (see test/helpers/global-setup.ts).
    globalSetup: ['test/helpers/global-setup.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    // Most tests wait on sockets, timers and the database rather than the CPU: on a 2-core machine
    // vitest's default (one worker) leaves the cores idle.
    maxWorkers: 4,
    // Low enough that a slow test shows; a test that needs longer says so, with the reason.
    testTimeout: 10_000,
    hookTimeout: 10_000,
  },
});
