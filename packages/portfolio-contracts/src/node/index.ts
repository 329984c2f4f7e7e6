// Node-only entry of @njord/portfolio-contracts: reading a portfolio config from disk.
import { readFile } from 'node:fs/promises';
import { ContractError } from '../errors.js';
import { type PortfolioConfig, safeParsePortfolioConfig } from '../portfolio-config.js';

/** Reads and validates a portfolio YAML (or JSON) file; throws ContractError naming the file. */
export async function loadPortfolioConfig(path: string): Promise<PortfolioConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ContractError([{ path, message: `cannot read the file (${reason})` }], 'io');
  }
  const result = safeParsePortfolioConfig(text, path);
  if (!result.success) throw result.error;
  return result.data;
}
