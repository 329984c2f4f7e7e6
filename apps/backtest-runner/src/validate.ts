// `njord-backtest validate-config`: the checks a run makes before it starts (the YAML, the
// schema, and every allocation's strategy resolved against the data's symbols), no run.
import { ContractError, isContractError } from '@njord/portfolio-contracts';
import { loadPortfolioConfig } from '@njord/portfolio-contracts/node';
import { createStrategyRegistry, type Strategy } from '@njord/portfolio-backtest';
import { loadPriceCsv, loadStrategyModule } from '@njord/portfolio-backtest/node';

/** A ContractError whose issues' paths are prefixed with the config file. */
export function inFile(path: string, error: ContractError): ContractError {
  const issues = error.issues.map((issue) => ({
    path: issue.path.startsWith(path) ? issue.path : `${path}: ${issue.path}`,
    message: issue.message,
  }));
  return new ContractError(issues, error.code);
}

/** Loads a portfolio config; its errors name the file. */
export async function loadConfigNamed(path: string): ReturnType<typeof loadPortfolioConfig> {
  try {
    return await loadPortfolioConfig(path);
  } catch (error) {
    throw isContractError(error) ? inFile(path, error) : error;
  }
}

export interface ValidateFlags {
  readonly data: string;
  readonly strategies?: string;
}

function describeStrategy(strategy: Strategy): string {
  const params = Object.entries(strategy.params ?? {})
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(' ');
  const symbols =
    strategy.symbols.length <= 5
      ? strategy.symbols.join(', ')
      : `${strategy.symbols.slice(0, 5).join(', ')} and ${strategy.symbols.length - 5} more`;
  return `  ${strategy.id}: ${strategy.kind ?? '?'}${params === '' ? '' : ` ${params}`} on ${symbols}`;
}

/** Validates `path` as the runner would read it; returns the lines to print. */
export async function validateConfig(path: string, flags: ValidateFlags): Promise<string[]> {
  const config = await loadConfigNamed(path);
  const registry = createStrategyRegistry();
  if (flags.strategies !== undefined) {
    const loaded = await loadStrategyModule(flags.strategies, registry);
    if (!loaded.success) throw loaded.error;
  }
  const loaded = await loadPriceCsv(flags.data);
  if (!loaded.success) throw loaded.error;
  const symbols = loaded.data.data.symbols;
  const resolved = registry.resolveStrategies(config, symbols);
  if (!resolved.success) throw inFile(path, resolved.error);
  return [
    `${path}: portfolio ${config.id}, capital ${config.totalCapital}, ${config.allocations.length} strategies, resolved against ${flags.data} (${symbols.length} symbol(s)):`,
    ...resolved.data.map(describeStrategy),
  ];
}
