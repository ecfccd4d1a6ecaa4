import { defineConfig } from 'vitest/config';

// Two tiers: `unit` is pure and fast (no worker threads, child processes, servers or
// training), for a developer's edit loop (`npm run test:unit`); `integration` spawns
// workers, processes and servers, trains and measures for real. `npm test` runs both.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
