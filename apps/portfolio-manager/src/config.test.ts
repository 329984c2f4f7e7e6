import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  applyOverrides,
  parseListen,
  readConfig,
  redactRedisUrl,
  validateConfig,
} from './config.js';

const BASE = {
  redis: { url: 'redis://127.0.0.1:6379', prefix: 'njord' },
  portfolio_config: 'config/portfolio.yaml',
  journal_dir: 'var/log/njord',
  check_interval_seconds: 60,
  snapshot_interval_seconds: 10,
};

describe('validateConfig', () => {
  it('accepts the shipped shape and fills in the documented defaults', () => {
    const result = validateConfig(BASE);
    expect(result.success).toBe(true);
    if (!result.success) return;
    // Defaults from the documented base.yaml keys (docs/formats.md).
    expect(result.data.journalFsync).toBe('batch');
    expect(result.data.maxMarkJump).toBe(0.5);
    expect(result.data.planTimeoutSeconds).toBe(300);
    expect(result.data.checkIntervalSeconds).toBe(60);
    expect(result.data.redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'njord' });
  });

  it('defaults everything but portfolio_config', () => {
    const result = validateConfig({ portfolio_config: 'p.yaml' });
    expect(result.success && result.data.redis.url).toBe('redis://127.0.0.1:6379');
    expect(result.success && result.data.journalDir).toBe('var/log/njord');
    expect(result.success && result.data.snapshotIntervalSeconds).toBe(10);
  });

  it('reports every broken rule with its wire path', () => {
    const result = validateConfig({
      ...BASE,
      redis: { url: 'http://x', prefix: 'njord' },
      check_interval_seconds: -1,
      journal_fsync: 'sometimes',
      max_mark_jump: 0,
      surprise: 1,
    });
    expect(result.success).toBe(false);
    if (result.success) return;
    const paths = result.error.issues.map((issue) => issue.path).sort();
    expect(paths).toEqual(
      ['check_interval_seconds', 'journal_fsync', 'max_mark_jump', 'redis.url', 'surprise'].sort(),
    );
    const interval = result.error.issues.find((issue) => issue.path === 'check_interval_seconds');
    expect(interval?.message).toBe('must be > 0, got -1');
    expect(result.error.message).toContain(
      'journal_fsync: must be one of "batch" | "always" | "never"',
    );
  });

  it('requires portfolio_config', () => {
    const result = validateConfig({});
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error.issues).toEqual([{ path: 'portfolio_config', message: 'is required' }]);
  });

  it('rejects a non-finite number', () => {
    const result = validateConfig({ ...BASE, plan_timeout_seconds: Number.POSITIVE_INFINITY });
    expect(result.success).toBe(false);
  });

  it('samples returns for risk adjustment hourly unless return_sample_seconds says otherwise', () => {
    const defaults = validateConfig(BASE);
    expect(defaults.success && defaults.data.returnSampleSeconds).toBe(3600);
    const custom = validateConfig({ ...BASE, return_sample_seconds: 900 });
    expect(custom.success && custom.data.returnSampleSeconds).toBe(900);
    const zero = validateConfig({ ...BASE, return_sample_seconds: 0 });
    expect(zero.success).toBe(false);
    if (zero.success) return;
    expect(zero.error.issues).toEqual([
      { path: 'return_sample_seconds', message: 'must be > 0, got 0' },
    ]);
  });
});

describe('applyOverrides', () => {
  const config = (() => {
    const result = validateConfig(BASE);
    if (!result.success) throw result.error;
    return result.data;
  })();

  it('a flag beats NJORD_REDIS_URL beats the file', () => {
    const both = applyOverrides(config, {
      redisUrlFlag: 'redis://flag:1',
      redisUrlEnv: 'redis://env:2',
    });
    expect(both.success && both.data.redis.url).toBe('redis://flag:1');
    const env = applyOverrides(config, { redisUrlEnv: 'rediss://env:2' });
    expect(env.success && env.data.redis.url).toBe('rediss://env:2');
    const none = applyOverrides(config, {});
    expect(none.success && none.data.redis.url).toBe(BASE.redis.url);
  });

  it('names the source of a bad URL', () => {
    const result = applyOverrides(config, { redisUrlEnv: 'localhost:6379' });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error.issues[0]?.path).toBe('NJORD_REDIS_URL');
  });
});

describe('redactRedisUrl', () => {
  it('never shows a password', () => {
    expect(redactRedisUrl('redis://:s3cret@host:6379/0')).toBe('redis://:***@host:6379/0');
    expect(redactRedisUrl('rediss://alice:s3cret@host:6380')).toBe('rediss://***:***@host:6380');
    expect(redactRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactRedisUrl('redis://default:pw@h')).not.toContain('pw');
  });
});

describe('readConfig', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('loads the shipped config/base.yaml with the example portfolio', async () => {
    const repoRoot = join(import.meta.dirname, '../../..');
    const result = await readConfig('config/base.yaml', {}, repoRoot);
    expect(result.success).toBe(true);
    if (!result.success) return;
    expect(result.data.portfolio.id).toBe('multi_strategy_v1');
    expect(result.data.journalPath).toBe(join(repoRoot, 'var/log/njord/portfolio.ndjson'));
  });

  it('lists the problems of both files, each under its file name', async () => {
    dir = mkdtempSync(join(tmpdir(), 'njord-config-'));
    mkdirSync(join(dir, 'config'));
    writeFileSync(
      join(dir, 'config/base.yaml'),
      'portfolio_config: config/p.yaml\nsnapshot_interval_seconds: 0\n',
    );
    const bad = await readConfig('config/base.yaml', {}, dir);
    expect(bad.success).toBe(false);
    if (bad.success) return;
    expect(bad.error.issues[0]?.path).toBe('config/base.yaml: snapshot_interval_seconds');

    writeFileSync(join(dir, 'config/base.yaml'), 'portfolio_config: config/p.yaml\n');
    const missing = await readConfig('config/base.yaml', {}, dir);
    expect(missing.success).toBe(false);
    if (missing.success) return;
    expect(missing.error.message).toContain('cannot read the file (ENOENT)');

    writeFileSync(
      join(dir, 'config/p.yaml'),
      'portfolio:\n  id: p\n  total_capital: 100\n  rebalance_threshold: 0.05\n  allocations:\n    - {strategy_id: a, target_weight: 0.5, min_capital: 0, max_capital: 100}\n',
    );
    const weights = await readConfig('config/base.yaml', {}, dir);
    expect(weights.success).toBe(false);
    if (weights.success) return;
    // One weight of 0.5 cannot sum to 1.
    expect(weights.error.issues[0]?.path).toBe('config/p.yaml: portfolio.allocations');
  });
});

describe('http and clock keys', () => {
  it('leaves the HTTP side off and the clock on the system by default', () => {
    const result = validateConfig(BASE);
    expect(result.success && result.data.http).toBeNull();
    expect(result.success && result.data.clock).toBe('system');
  });

  it('reads http.listen with the default token variable, and clock: event', () => {
    const result = validateConfig({ ...BASE, clock: 'event', http: { listen: '0.0.0.0:9464' } });
    expect(result.success && result.data.http).toEqual({
      listen: '0.0.0.0:9464',
      tokenEnv: 'NJORD_HTTP_TOKEN',
    });
    expect(result.success && result.data.clock).toBe('event');
  });

  it('names the field of a bad listen address, token variable or clock', () => {
    const result = validateConfig({
      ...BASE,
      clock: 'wall',
      http: { listen: 'localhost', token_env: 'not a name', extra: 1 },
    });
    expect(result.success).toBe(false);
    if (result.success) return;
    const paths = result.error.issues.map((issue) => issue.path).sort();
    expect(paths).toEqual(['clock', 'http.extra', 'http.listen', 'http.token_env']);
  });

  it('lets --http turn the side on or move it, keeping the token variable', () => {
    const base = validateConfig({ ...BASE, http: { listen: '127.0.0.1:1', token_env: 'TOK' } });
    if (!base.success) throw base.error;
    const moved = applyOverrides(base.data, { httpFlag: '[::1]:9000' });
    expect(moved.success && moved.data.http).toEqual({ listen: '[::1]:9000', tokenEnv: 'TOK' });
    const bad = applyOverrides(base.data, { httpFlag: '9000' });
    expect(!bad.success && bad.error.issues[0]?.path).toBe('--http');
  });

  it('parses host:port forms', () => {
    expect(parseListen('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen('example.org:70000')).toBeNull();
    expect(parseListen(':80')).toBeNull();
  });
});
