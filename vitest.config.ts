import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    // A server start under `nice` beside another run can take over a minute (issue 14, item 11).
    hookTimeout: 180_000,
    // Each file builds its own app on the shared test database; two cores, two workers.
    pool: 'forks',
    maxWorkers: 2,
  },
});
