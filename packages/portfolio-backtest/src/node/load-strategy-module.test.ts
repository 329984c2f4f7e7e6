import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStrategyRegistry } from '../strategy-registry.js';
import { loadStrategyModule } from './load-strategy-module.js';

let dir = '';
// Under the package, so a module's `import { z } from 'zod'` resolves as a user's would.
const packageDir = fileURLToPath(new URL('../../', import.meta.url));
beforeAll(async () => {
  dir = await mkdtemp(join(packageDir, '.tmp-strategies-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function moduleFile(name: string, source: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, source);
  return path;
}

describe('loadStrategyModule', () => {
  it('runs a default export that registers strategies', async () => {
    const path = await moduleFile(
      'default.mjs',
      `export default (registry) => {
         registry.register('flat_v1', ({ id, symbols }) => ({ id, symbols, onBar: () => undefined }));
       };`,
    );
    const registry = createStrategyRegistry();
    const result = await loadStrategyModule(path, registry);
    expect(result).toEqual({ success: true, data: ['flat_v1'] });
    expect(registry.has('flat_v1')).toBe(true);
  });

  it('registers a named `strategies` export', async () => {
    const path = await moduleFile(
      'named.mjs',
      `import { z } from 'zod';
       export const strategies = {
         a_v1: ({ id, symbols }) => ({ id, symbols, onBar: () => undefined }),
         b_v1: {
           params: z.strictObject({ size: z.number().gt(0).default(1) }),
           create: ({ id, symbols, params }) => ({ id, symbols, params, onBar: () => undefined }),
         },
       };`,
    );
    const registry = createStrategyRegistry();
    const result = await loadStrategyModule(path, registry);
    expect(result).toEqual({ success: true, data: ['a_v1', 'b_v1'] });
    const resolve = (params: { size: number } | undefined) =>
      registry.resolveStrategy(
        {
          strategyId: 'b',
          targetWeight: 1,
          minCapital: 0,
          maxCapital: 1,
          riskMultiplier: 1,
          strategy: { kind: 'b_v1', ...(params === undefined ? {} : { params }) },
        },
        ['X'],
      );
    // The module's own zod schema: its default, and its bound in the house wording.
    const defaulted = resolve(undefined);
    expect(defaulted.success && defaulted.data.params).toEqual({ size: 1 });
    const bad = resolve({ size: 0 });
    expect(!bad.success && bad.error.message).toBe(
      'portfolio.allocations[0].strategy.params.size: must be a number > 0, got 0',
    );
  });

  it('refuses a module written for the old {type, min, max} params, saying what changed', async () => {
    const path = await moduleFile(
      'legacy.mjs',
      `export const strategies = {
         old_v1: {
           params: { size: { type: 'number', min: 0, default: 1 } },
           create: ({ id, symbols }) => ({ id, symbols, onBar: () => undefined }),
         },
       };`,
    );
    const result = await loadStrategyModule(path, createStrategyRegistry());
    expect(!result.success && result.error.message).toMatch(
      /legacy\.mjs: registering its strategies failed: register: the params of old_v1 must be a zod schema/,
    );
  });

  it('names the module in every failure', async () => {
    const empty = await moduleFile('empty.mjs', 'export const nothing = 1;');
    const clash = await moduleFile(
      'clash.mjs',
      `export const strategies = { momentum: () => ({}) };`,
    );
    const registry = createStrategyRegistry();
    const missing = await loadStrategyModule(join(dir, 'missing.mjs'), registry);
    expect(!missing.success && missing.error.code).toBe('io');
    expect(!missing.success && missing.error.message).toMatch(
      /missing\.mjs: cannot load the strategy module/,
    );
    const none = await loadStrategyModule(empty, registry);
    expect(!none.success && none.error.message).toBe(
      `${empty}: must export a default function (registry) => void or an object \`strategies\` of name -> definition or factory`,
    );
    const taken = await loadStrategyModule(clash, registry);
    expect(!taken.success && taken.error.message).toMatch(
      /registering its strategies failed: register: a strategy named momentum is already registered/,
    );
  });
});
