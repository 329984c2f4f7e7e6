// Imports a user's strategy module (for the runner) and lets it register its strategies.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ContractError, type Result } from '@njord/portfolio-contracts';
import type {
  StrategyDefinition,
  StrategyFactory,
  StrategyRegistry,
} from '../strategy-registry.js';

/**
 * Imports the ES module at `path` (relative to the working directory) and registers
 * its strategies: a default export `(registry) => void | Promise<void>` that calls
 * `registry.register(...)`, and/or a named export `strategies`: `{name: definition | factory}`.
 * Returns the names it added. A module that cannot be imported is a ContractError with
 * code `io`; one that exports neither, or whose registration throws, `invalid_input`.
 */
export async function loadStrategyModule(
  path: string,
  registry: StrategyRegistry,
): Promise<Result<string[], ContractError>> {
  let module: { default?: unknown; strategies?: unknown };
  try {
    module = (await import(pathToFileURL(resolve(path)).href)) as typeof module;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return {
      success: false,
      error: new ContractError(
        [{ path, message: `cannot load the strategy module (${message})` }],
        'io',
      ),
    };
  }
  const before = new Set(registry.names());
  const hasDefault = typeof module.default === 'function';
  const strategies = module.strategies;
  const hasStrategies = typeof strategies === 'object' && strategies !== null;
  if (!hasDefault && !hasStrategies) {
    return {
      success: false,
      error: new ContractError([
        {
          path,
          message:
            'must export a default function (registry) => void or an object `strategies` of name -> definition or factory',
        },
      ]),
    };
  }
  try {
    if (hasStrategies) {
      for (const [name, definition] of Object.entries(strategies as Record<string, unknown>)) {
        if (
          typeof definition !== 'function' &&
          (typeof definition !== 'object' ||
            definition === null ||
            typeof (definition as { create?: unknown }).create !== 'function')
        ) {
          throw new Error(
            `strategies.${name} must be a factory function or a definition with create()`,
          );
        }
        registry.register(name, definition as StrategyDefinition | StrategyFactory);
      }
    }
    if (hasDefault) await (module.default as (registry: StrategyRegistry) => unknown)(registry);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      success: false,
      error: new ContractError([
        { path, message: `registering its strategies failed: ${message}` },
      ]),
    };
  }
  return { success: true, data: registry.names().filter((name) => !before.has(name)) };
}
