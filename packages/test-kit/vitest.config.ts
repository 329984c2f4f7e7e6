import { defineConfig } from 'vitest/config';

// Explicit limits sized for a loaded 2-core machine, as in every package here.
export default defineConfig({
  test: { include: ['src/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
});
