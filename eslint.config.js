// Lint for the whole workspace: type-aware typescript-eslint plus the purity fence
// that keeps I/O, clocks, randomness and the environment out of packages/*/src.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const impure =
  'Packages are pure: pass a clock, a seed or a port in; I/O lives in src/node/ or apps/.';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', 'var/**', 'coverage/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['packages/*/src/**/*.ts'],
    ignores: [
      'packages/*/src/node/**',
      'packages/*/src/**/*.test.ts',
      'packages/*/src/**/*.bench.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'ioredis', message: impure },
            { name: 'fs', message: impure },
            { name: 'node:fs', message: impure },
            { name: 'fs/promises', message: impure },
            { name: 'node:fs/promises', message: impure },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: impure },
        { object: 'Math', property: 'random', message: impure },
        { object: 'process', property: 'env', message: impure },
      ],
    },
  },
);
