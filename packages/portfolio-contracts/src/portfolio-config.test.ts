// Validation rules of the portfolio config, each with its exact path and message.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderJsonSchema } from '../scripts/write-json-schema.js';
import { ContractError, isContractError } from './errors.js';
import { loadPortfolioConfig } from './node/index.js';
import {
  encodePortfolioConfig,
  safeParsePortfolioConfig as safeParseObject,
} from './portfolio-config.js';
import { parsePortfolioConfig, safeParsePortfolioConfig } from './yaml.js';

const examplePath = fileURLToPath(new URL('../../../config/portfolio.yaml', import.meta.url));
const schemaPath = fileURLToPath(new URL('../../../config/portfolio.schema.json', import.meta.url));

function valid(): {
  portfolio: Record<string, unknown> & { allocations: Record<string, unknown>[] };
} {
  return {
    portfolio: {
      id: 'p1',
      total_capital: 100000,
      rebalance_threshold: 0.05,
      allocations: [
        { strategy_id: 'a', target_weight: 0.5, min_capital: 0, max_capital: 100000 },
        { strategy_id: 'b', target_weight: 0.25, min_capital: 0, max_capital: 100000 },
        { strategy_id: 'c', target_weight: 0.25, min_capital: 0, max_capital: 100000 },
      ],
    },
  };
}

function issuesOf(raw: unknown) {
  const result = safeParsePortfolioConfig(raw);
  if (result.success) throw new Error('expected a ContractError');
  return result.error.issues;
}

function allocation(index: number, patch: Record<string, unknown>) {
  const raw = valid();
  raw.portfolio.allocations[index] = { ...raw.portfolio.allocations[index], ...patch };
  return raw;
}

describe('the shipped example', () => {
  it('loads unchanged from config/portfolio.yaml', async () => {
    const config = await loadPortfolioConfig(examplePath);
    expect(config.id).toBe('multi_strategy_v1');
    expect(config.totalCapital).toBe(50000);
    expect(config.rebalanceThreshold).toBe(0.05);
    expect(config.rebalanceFrequencyHours).toBe(24);
    expect(
      config.allocations.map((a) => [
        a.strategyId,
        a.targetWeight,
        a.minCapital,
        a.maxCapital,
        a.riskMultiplier,
      ]),
    ).toEqual([
      ['trendline_break_v1', 0.4, 10000, 30000, 1],
      ['rsi_tema_bb_v1', 0.35, 10000, 25000, 0.8],
      ['momentum_v1', 0.25, 5000, 20000, 1.2],
    ]);
    // Documented defaults for the keys the example omits.
    expect(config.costs).toEqual({ commissionBps: 0, commissionMin: 0, slippageBps: 0 });
    expect(config.minTradeValue).toBe(10);
    expect(config.netting).toBe(false);
    expect(config.fillModel).toBe('close');
    expect(config.riskFreeRate).toBe(0);
  });

  it('points editors at a JSON Schema that is up to date', () => {
    expect(readFileSync(examplePath, 'utf8').split('\n')[0]).toBe(
      '# yaml-language-server: $schema=portfolio.schema.json',
    );
    // Regenerate with: pnpm --filter @njord/portfolio-contracts schema
    expect(readFileSync(schemaPath, 'utf8')).toBe(renderJsonSchema());
  });

  it('is deeply frozen once parsed', async () => {
    const config = await loadPortfolioConfig(examplePath);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.allocations)).toBe(true);
    expect(Object.isFrozen(config.allocations[0])).toBe(true);
    expect(Object.isFrozen(config.costs)).toBe(true);
  });
});

describe('validation rules', () => {
  it('accepts the minimal valid config', () => {
    expect(safeParsePortfolioConfig(valid()).success).toBe(true);
  });

  it.each([
    [{ target_weight: 1.5 }, 'portfolio.allocations[1].target_weight', 'must be <= 1, got 1.5'],
    [{ target_weight: -0.25 }, 'portfolio.allocations[1].target_weight', 'must be >= 0, got -0.25'],
    [{ min_capital: -1 }, 'portfolio.allocations[1].min_capital', 'must be >= 0, got -1'],
    [{ risk_multiplier: 0 }, 'portfolio.allocations[1].risk_multiplier', 'must be > 0, got 0'],
    [
      { min_capital: 10000, max_capital: 5000 },
      'portfolio.allocations[1].max_capital',
      'must be >= min_capital (10000), got 5000',
    ],
    [
      { strategy_id: 'a' },
      'portfolio.allocations[1].strategy_id',
      'duplicate strategy_id "a" (first at portfolio.allocations[0])',
    ],
    [
      { strategy_id: 'has space' },
      'portfolio.allocations[1].strategy_id',
      'must match /^[A-Za-z0-9_.-]{1,64}$/ (letters, digits, _ . -; 1 to 64 characters), got "has space"',
    ],
    [
      { min_capital: Infinity },
      'portfolio.allocations[1].min_capital',
      'must be a finite number, got Infinity',
    ],
    [
      { max_capital: Number.NaN },
      'portfolio.allocations[1].max_capital',
      'must be a finite number, got NaN',
    ],
    [
      { max_capital: '100' },
      'portfolio.allocations[1].max_capital',
      'must be a number, got string "100"',
    ],
    [{ max_drawdown: 0 }, 'portfolio.allocations[1].max_drawdown', 'must be > 0, got 0'],
    [{ max_drawdown: 1.2 }, 'portfolio.allocations[1].max_drawdown', 'must be < 1, got 1.2'],
    [
      { max_drawdown: 0.2, resume_after_hours: 0 },
      'portfolio.allocations[1].resume_after_hours',
      'must be > 0, got 0',
    ],
    [
      { resume_after_hours: 24 },
      'portfolio.allocations[1].resume_after_hours',
      'needs max_drawdown on the same allocation (only a tripped breaker resumes)',
    ],
    [
      { leverage: 2 },
      'portfolio.allocations[1].leverage',
      'unknown key (allowed: strategy_id, target_weight, min_capital, max_capital, risk_multiplier, strategy, max_drawdown, resume_after_hours)',
    ],
  ])('allocation %j -> %s: %s', (patch, path, message) => {
    const raw = allocation(1, patch);
    // A changed weight also breaks the sum; look only for the issue at this path.
    expect(issuesOf(raw)).toContainEqual({ path, message });
  });

  it('requires the weights to sum to 1 within 1e-9', () => {
    // 0.5 + 0.25 + 0.125 = 0.875 exactly in binary floating point.
    expect(issuesOf(allocation(2, { target_weight: 0.125 }))).toEqual([
      {
        path: 'portfolio.allocations',
        message: 'target_weight values must sum to 1 (tolerance 1e-9), got 0.875',
      },
    ]);
    // Off by 1e-12: inside the tolerance.
    expect(safeParsePortfolioConfig(allocation(2, { target_weight: 0.25 + 1e-12 })).success).toBe(
      true,
    );
  });

  it.each([
    [{ total_capital: 0 }, 'portfolio.total_capital', 'must be > 0, got 0'],
    [{ rebalance_threshold: 0 }, 'portfolio.rebalance_threshold', 'must be > 0, got 0'],
    [
      { rebalance_frequency_hours: -24 },
      'portfolio.rebalance_frequency_hours',
      'must be > 0, got -24',
    ],
    [
      { fill_model: 'vwap' },
      'portfolio.fill_model',
      'must be one of "close" | "next_open", got "vwap"',
    ],
    [{ netting: 'yes' }, 'portfolio.netting', 'must be true or false, got string "yes"'],
    [{ costs: { commission_bps: -1 } }, 'portfolio.costs.commission_bps', 'must be >= 0, got -1'],
    [
      { instruments: { SPX: { lot_size: 0 } } },
      'portfolio.instruments.SPX.lot_size',
      'must be > 0, got 0',
    ],
    [
      { limits: { max_gross_leverage: -2 } },
      'portfolio.limits.max_gross_leverage',
      'must be > 0, got -2',
    ],
    [
      { risk_adjustment: { method: 'kelly' } },
      'portfolio.risk_adjustment.method',
      'must be one of "sharpe_drawdown" | "inverse_volatility" | "equal_risk_contribution", got "kelly"',
    ],
    [{ absolute_drift_threshold: 0 }, 'portfolio.absolute_drift_threshold', 'must be > 0, got 0'],
    [
      { rebalance_to: 'edge' },
      'portfolio.rebalance_to',
      'must be one of "target" | "band_edge", got "edge"',
    ],
    [{ max_drawdown: 0 }, 'portfolio.max_drawdown', 'must be > 0, got 0'],
    [{ max_drawdown: 1 }, 'portfolio.max_drawdown', 'must be < 1, got 1'],
    [{ allocations: [] }, 'portfolio.allocations', 'must have at least 1 item(s)'],
    [{ id: undefined }, 'portfolio.id', 'is required'],
  ])('portfolio %j -> %s: %s', (patch, path, message) => {
    const raw = valid();
    Object.assign(raw.portfolio, patch);
    if ('id' in patch && patch.id === undefined) delete raw.portfolio.id;
    expect(issuesOf(raw)).toEqual([{ path, message }]);
  });

  it('reads the rebalancing policy keys, with rebalance_to defaulting to target', () => {
    expect(parsePortfolioConfig(valid()).rebalanceTo).toBe('target');
    const raw = allocation(0, { max_drawdown: 0.2, resume_after_hours: 72 });
    Object.assign(raw.portfolio, {
      absolute_drift_threshold: 0.03,
      rebalance_to: 'band_edge',
      max_drawdown: 0.35,
    });
    const config = parsePortfolioConfig(raw);
    expect(config.absoluteDriftThreshold).toBe(0.03);
    expect(config.rebalanceTo).toBe('band_edge');
    expect(config.maxDrawdown).toBe(0.35);
    expect(config.allocations[0]?.maxDrawdown).toBe(0.2);
    expect(config.allocations[0]?.resumeAfterHours).toBe(72);
    // The wire form carries them back under their snake_case names.
    const wire = encodePortfolioConfig(config).portfolio;
    expect(wire.absolute_drift_threshold).toBe(0.03);
    expect(wire.rebalance_to).toBe('band_edge');
    expect(wire.max_drawdown).toBe(0.35);
    expect((wire.allocations as Record<string, unknown>[])[0]).toMatchObject({
      max_drawdown: 0.2,
      resume_after_hours: 72,
    });
  });

  it('accepts a drift threshold above 1 (relative drift)', () => {
    const raw = valid();
    raw.portfolio.rebalance_threshold = 1.5;
    expect(parsePortfolioConfig(raw).rebalanceThreshold).toBe(1.5);
  });

  it('reports every broken rule at once, joined into the message', () => {
    const raw = allocation(0, { max_capital: -5, risk_multiplier: -1 });
    raw.portfolio.total_capital = -3;
    raw.portfolio.extra = true;
    const result = safeParsePortfolioConfig(raw);
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error).toBeInstanceOf(ContractError);
    expect(isContractError(result.error)).toBe(true);
    expect(result.error.message.split('\n').sort()).toEqual(
      [
        'portfolio.extra: unknown key (allowed: id, description, total_capital, rebalance_threshold, rebalance_frequency_hours, allocations, costs, min_trade_value, netting, limits, instruments, fill_model, risk_free_rate, periods_per_year, risk_adjustment, absolute_drift_threshold, rebalance_to, max_drawdown)',
        'portfolio.total_capital: must be > 0, got -3',
        'portfolio.allocations[0].max_capital: must be >= 0, got -5',
        'portfolio.allocations[0].risk_multiplier: must be > 0, got -1',
        'portfolio.allocations[0].max_capital: must be >= min_capital (0), got -5',
      ].sort(),
    );
  });

  it('gives line and column for YAML syntax errors', () => {
    const text = 'portfolio:\n  id: p1\n  allocations: [\n';
    const result = safeParsePortfolioConfig(text, 'bad.yaml');
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error.code).toBe('yaml_syntax');
    expect(result.error.issues[0]?.path).toMatch(/^bad\.yaml:\d+:\d+$/);
  });

  it('rejects duplicate YAML keys', () => {
    const result = safeParsePortfolioConfig('portfolio:\n  id: a\n  id: b\n', 'dup.yaml');
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error.issues[0]?.path).toBe('dup.yaml:3:3');
  });

  it('names the file it cannot read', async () => {
    await expect(loadPortfolioConfig('/nonexistent/p.yaml')).rejects.toMatchObject({
      _tag: 'ContractError',
      code: 'io',
      issues: [{ path: '/nonexistent/p.yaml', message: 'cannot read the file (ENOENT)' }],
    });
  });
});

describe('the main entry without a YAML parser', () => {
  it('takes the parsed file and points YAML text to the ./yaml entry', () => {
    const text = readFileSync(examplePath, 'utf8');
    const fromText = safeParsePortfolioConfig(text, 'portfolio.yaml');
    expect(fromText.success).toBe(true);
    const rejected = safeParseObject(text, 'portfolio.yaml');
    expect(rejected.success).toBe(false);
    if (rejected.success) return;
    expect(rejected.error.issues[0]?.path).toBe('portfolio.yaml');
    expect(rejected.error.message).toMatch(/@njord\/portfolio-contracts\/yaml/);
    if (!fromText.success) return;
    // The same config through the object path: the encoded file parses back to itself.
    const again = safeParseObject(encodePortfolioConfig(fromText.data));
    expect(again.success && again.data).toEqual(fromText.data);
  });
});
