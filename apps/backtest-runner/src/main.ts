// njord-backtest: flags -> config and data -> engine -> result, report and journal files.
// The only place that exits; errors become exit codes (2 bad input, 1 failure).
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { encodePortfolioBacktestResult, isContractError } from '@njord/portfolio-contracts';
import { loadPortfolioConfig } from '@njord/portfolio-contracts/node';
import {
  createStrategyRegistry,
  formatPriceCsv,
  generateSyntheticData,
  isPriceDataError,
  PortfolioBacktestEngine,
} from '@njord/portfolio-backtest';
import { loadPriceCsv, loadStrategyModule } from '@njord/portfolio-backtest/node';
import { renderPortfolioReport } from '@njord/portfolio-report';
import { buildProgram, type GenerateFlags, normalizeArgv, type RunFlags } from './cli.js';
import { DateFlagError, parseDateFlag } from './dates.js';
import { writeJsonFile } from './adapters/json-writer.js';
import { openJournalFile } from './adapters/journal-file.js';
import { createProgress } from './adapters/progress.js';
import { formatSummary } from './summary.js';

const SHIPPED_DATA = fileURLToPath(new URL('../../../data/spx-daily.csv', import.meta.url));

class BadInput extends Error {
  readonly _tag = 'BadInput' as const;
}

function versions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const out: Record<string, string> = {};
  for (const name of [
    '@njord/portfolio-contracts',
    '@njord/portfolio-allocator',
    '@njord/portfolio-sizer',
    '@njord/portfolio-rebalancer',
    '@njord/portfolio-tracker',
    '@njord/portfolio-backtest',
    '@njord/portfolio-report',
  ]) {
    try {
      out[name] = (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      // A package without ./package.json in its exports is left out of the provenance.
    }
  }
  return out;
}

async function run(flags: RunFlags): Promise<void> {
  const say = (line: string): void => {
    if (!flags.quiet) console.log(line);
  };
  const config = await loadPortfolioConfig(flags.portfolioConfig);
  const dataPath =
    flags.data ?? (existsSync('data/spx-daily.csv') ? 'data/spx-daily.csv' : SHIPPED_DATA);
  const start =
    flags.start === undefined ? undefined : parseDateFlag('--start', flags.start, false);
  const end = flags.end === undefined ? undefined : parseDateFlag('--end', flags.end, true);
  if (start !== undefined && end !== undefined && end < start) {
    throw new BadInput(`--end (${flags.end}) is before --start (${flags.start})`);
  }
  const registry = createStrategyRegistry();
  if (flags.strategies !== undefined) {
    const loaded = await loadStrategyModule(flags.strategies, registry);
    if (!loaded.success) throw loaded.error;
  }
  const loaded = await loadPriceCsv(dataPath);
  if (!loaded.success) throw loaded.error;
  const { data } = loaded.data;
  say(
    `${config.id}: ${data.symbols.length} symbol(s), ${data.steps} bars from ${dataPath} (${loaded.data.loadMs.toFixed(0)} ms)`,
  );

  const journalPath = join(flags.journalDir, `backtest_${config.id}.ndjson`);
  const journal = openJournalFile(journalPath, config.id);
  const progress = createProgress('backtest', !flags.quiet);
  let result;
  try {
    const engine = new PortfolioBacktestEngine(config, registry, {
      journal,
      ...(flags.fillModel === undefined ? {} : { fillModel: flags.fillModel }),
      ...(start === undefined ? {} : { start }),
      ...(end === undefined ? {} : { end }),
      curveEvery: flags.curveEvery,
      onProgress: (done, total) => progress.update(done, total),
      clock: () => performance.now(),
      dataPath,
      dataSha256: loaded.data.sha256,
      loadMs: loaded.data.loadMs,
      versions: versions(),
    });
    result = engine.run(data);
  } finally {
    progress.stop();
    await journal.close();
  }

  mkdirSync(flags.out, { recursive: true });
  const resultPath = join(flags.out, `portfolio_${config.id}_result.json`);
  await writeJsonFile(resultPath, encodePortfolioBacktestResult(result));
  say(formatSummary(result));
  say(`\nresult:  ${resolve(resultPath)}`);
  if (flags.report) {
    const reportPath = join(flags.out, `portfolio_${config.id}_report.html`);
    writeFileSync(reportPath, renderPortfolioReport(result));
    say(`report:  ${resolve(reportPath)}`);
  }
  say(`journal: ${resolve(journalPath)} (${journal.lines} lines)`);
  say(
    `${result.stats.bars} bars, ${result.stats.barEvents} bar events in ${result.stats.runMs.toFixed(0)} ms`,
  );
}

function generate(flags: GenerateFlags): Promise<void> {
  const startNs =
    flags.start === undefined ? undefined : parseDateFlag('--start', flags.start, false);
  const data = generateSyntheticData({
    symbols: flags.symbols,
    bars: flags.bars,
    seed: flags.seed,
    ...(startNs === undefined ? {} : { startNs }),
  });
  mkdirSync(dirname(resolve(flags.out)), { recursive: true });
  writeFileSync(flags.out, formatPriceCsv(data));
  if (!flags.quiet)
    console.log(
      `wrote ${flags.symbols} symbol(s) x ${flags.bars} bars (seed ${flags.seed}) to ${flags.out}`,
    );
  return Promise.resolve();
}

function exitCodeOf(error: unknown): number {
  if (
    isContractError(error) ||
    isPriceDataError(error) ||
    error instanceof DateFlagError ||
    error instanceof BadInput
  )
    return 2;
  if (
    typeof error === 'object' &&
    error !== null &&
    (error as { _tag?: unknown })._tag === 'BacktestError'
  )
    return 2;
  return 1;
}

async function main(): Promise<void> {
  const program = buildProgram({ run, generate }).exitOverride();
  try {
    await program.parseAsync(normalizeArgv(process.argv), { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; usage errors (already printed) are bad input.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    const code = exitCodeOf(error);
    const message = error instanceof Error ? error.message : String(error);
    console.error(
      code === 2
        ? `njord-backtest: ${message}`
        : `njord-backtest failed: ${error instanceof Error ? (error.stack ?? message) : message}`,
    );
    process.exitCode = code;
  }
}

await main();
