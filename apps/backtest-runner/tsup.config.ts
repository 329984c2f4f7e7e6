import { copyFile } from 'node:fs/promises';
import { defineConfig } from 'tsup';

export default defineConfig({
  // The sweep's thread, its BullMQ processor and the side-run thread are loaded by path,
  // next to main.js.
  entry: {
    main: 'src/main.ts',
    launch: 'src/launch.ts',
    'side-thread': 'src/side-thread.ts',
    'sweep/thread': 'src/sweep/thread.ts',
    'sweep/processor': 'src/sweep/processor.ts',
  },
  format: ['esm'],
  dts: false,
  clean: true,
  sourcemap: true,
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
  // The sweep thread's CommonJS entry (see the file) is not bundled: it is copied as it is.
  async onSuccess() {
    await copyFile('src/sweep/thread-entry.cjs', 'dist/sweep/thread-entry.cjs');
  },
});
