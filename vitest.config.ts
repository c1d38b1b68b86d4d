import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Tests run the producer from its sources, under the name its users import it by.
  resolve: {
    alias: {
      'overdue-producer': fileURLToPath(new URL('./packages/producer/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    pool: 'threads',
    // Emulator tests make hundreds of real SDK calls; on a loaded 2-core machine 5 s is not enough.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // In CI, also a JSON report, from which .ci/run prints a plain "N passed, N failed" line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.vitest-results.json' }]] : ['default'],
  },
});
