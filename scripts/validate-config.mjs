#!/usr/bin/env node
// Validates a portfolio YAML with @njord/portfolio-contracts (default config/portfolio.yaml).
import { loadPortfolioConfig } from '@njord/portfolio-contracts/node';

const path = process.argv.slice(2).find((arg) => arg !== '--') ?? 'config/portfolio.yaml';
try {
  const config = await loadPortfolioConfig(path);
  console.log(
    `${path}: portfolio ${config.id}, ${config.allocations.length} strategies, capital ${config.totalCapital}`,
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
}
