import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStrategyRegistry } from '../strategy-registry.js';
import { loadStrategyModule } from './load-strategy-module.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'njord-strategies-'));
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
      `export const strategies = {
         a_v1: ({ id, symbols }) => ({ id, symbols, onBar: () => undefined }),
         b_v1: { params: {}, create: ({ id, symbols }) => ({ id, symbols, onBar: () => undefined }) },
       };`,
    );
    const result = await loadStrategyModule(path, createStrategyRegistry());
    expect(result).toEqual({ success: true, data: ['a_v1', 'b_v1'] });
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
