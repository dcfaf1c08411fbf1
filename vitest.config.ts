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
    // A worker imports the app once for all its files instead of once per file (import time summed over
    // workers fell from about 196 s to 48 s). Safe here: no file mocks modules or stubs globals, every
    // app builds its own metrics registry, nock is cleaned after each test (setup.ts), fake timers are
    // undone when their test ends. Forks, not threads: threads were slower and the bulk send timed out.
    isolate: false,
    // Low enough that a slow test shows; a test that needs longer says so, with the reason.
    testTimeout: 10_000,
    hookTimeout: 10_000,
  },
});
