import { defineConfig } from 'vitest/config';

// Explicit limits sized for a loaded 2-core machine (the slowest tests here take a few
// seconds alone); property tests size their runs to stay well under them.
export default defineConfig({
  test: { include: ['src/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
});
