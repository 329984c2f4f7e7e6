// njord-backtest: flags -> config and data -> engine -> result, report and journal files.
// The only place that exits; errors become exit codes (2 bad input, 1 failure).
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { createWriteStream, existsSync, readdirSync, statfsSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { isContractError, isJournalPartName, journalPartName } from '@njord/portfolio-contracts';
import {
  createStrategyRegistry,
  isBacktestError,
  isPriceDataError,
  isStrategyFaultError,
  planSyntheticCsv,
  syntheticPriceCsv,
  PortfolioBacktestEngine,
  type PriceData,
} from '@njord/portfolio-backtest';
import {
  isRebalancePartName,
  type LoadedPriceData,
  loadPriceCsv,
  loadStrategyModule,
  RebalanceSpill,
  spillOptionsFor,
  writeBacktestResult,
} from '@njord/portfolio-backtest/node';
import { renderPortfolioReportFromCurves } from '@njord/portfolio-report';
import {
  buildProgram,
  type GenerateFlags,
  normalizeArgv,
  type RunFlags,
  SIDE_THREAD_MIN_BAR_EVENTS,
} from './cli.js';
import { startSideThread } from './adapters/side-thread-client.js';
import { DateFlagError, parseDateFlag } from './dates.js';
import { openJournalFile } from './adapters/journal-file.js';
import { teeJournalToTape } from './adapters/tape-file.js';
import { OutputDirError, OutputSet, prepareOutputDir } from './adapters/output-files.js';
import { createProgress } from './adapters/progress.js';
import { formatSummary } from './summary.js';
import { inFile, loadConfigNamed, validateConfig, type ValidateFlags } from './validate.js';
import { registerSweepCommands } from './sweep/commands.js';

const SHIPPED_DATA = fileURLToPath(new URL('../../../data/spx-daily.csv', import.meta.url));

function defaultDataPath(): string {
  return existsSync('data/spx-daily.csv') ? 'data/spx-daily.csv' : SHIPPED_DATA;
}

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

/** Deletes this run's temporary files and exits 128 + signal number on SIGINT / SIGTERM. */
function onInterrupt(outputs: OutputSet): () => void {
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const handler = (): void => {
      outputs.abandon();
      console.error(`njord-backtest: interrupted (${signal}); previous outputs left as they were`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}

/** The price CSV at `path`, loaded; its errors thrown. */
async function loadPrices(path: string): Promise<LoadedPriceData> {
  const loaded = await loadPriceCsv(path);
  if (!loaded.success) throw loaded.error;
  return loaded.data;
}

async function run(flags: RunFlags): Promise<void> {
  const say = (line: string): void => {
    if (!flags.quiet) console.log(line);
  };
  const config = await loadConfigNamed(flags.portfolioConfig);
  const dataPath = flags.data ?? defaultDataPath();
  const start =
    flags.start === undefined ? undefined : parseDateFlag('--start', flags.start, false);
  const end = flags.end === undefined ? undefined : parseDateFlag('--end', flags.end, true);
  if (start !== undefined && end !== undefined && end < start) {
    throw new BadInput(`--end (${flags.end}) is before --start (${flags.start})`);
  }
  // Outputs are checked before anything long runs.
  const outDir = prepareOutputDir('--out', flags.out);
  const journalDir = prepareOutputDir('--journal-dir', flags.journalDir);
  const registry = createStrategyRegistry();
  if (flags.strategies !== undefined) {
    const loaded = await loadStrategyModule(flags.strategies, registry);
    if (!loaded.success) throw loaded.error;
  }

  const outputs = new OutputSet();
  let release = onInterrupt(outputs);
  try {
    let loaded: LoadedPriceData | null = await loadPrices(dataPath);
    const { sha256: dataSha256, loadMs } = loaded;
    // The one reference to the prices, let go once the engine has run: writing the result
    // does not need them, so a long run's peak memory is the run's (10 x 100,000 bars: the
    // writing then goes on in about 55 MB less).
    let data: PriceData | null = loaded.data;
    loaded = null;
    const dataBars = data.steps;
    say(
      `${config.id}: ${data.symbols.length} symbol(s), ${data.steps} bars in ${dataPath} (${loadMs.toFixed(0)} ms)`,
    );
    // A second thread for the runs beside the portfolio's, where it pays: its start (about
    // 0.1 s of module loading, hidden behind this thread's work) outweighs a short run.
    const barEvents = data.countBarEvents(0, data.steps - 1);
    const threads =
      flags.threads !== 'auto'
        ? flags.threads
        : availableParallelism() >= 2 && barEvents >= SIDE_THREAD_MIN_BAR_EVENTS
          ? 2
          : 1;

    const resultPath = join(outDir, `portfolio_${config.id}_result.json`);
    const reportPath = join(outDir, `portfolio_${config.id}_report.html`);
    const journalPath = join(journalDir, `backtest_${config.id}.ndjson`);
    const parquetPaths = {
      curves: join(outDir, `portfolio_${config.id}_curves.parquet`),
      rebalances: join(outDir, `portfolio_${config.id}_rebalances.parquet`),
      trades: join(outDir, `portfolio_${config.id}_trades.parquet`),
    };
    const wantJson = flags.format.includes('json');
    const wantParquet = flags.format.includes('parquet');
    const resultTemp = wantJson ? outputs.add(resultPath) : null;
    const parquetTemps = wantParquet
      ? {
          curves: outputs.add(parquetPaths.curves),
          rebalances: outputs.add(parquetPaths.rebalances),
          trades: outputs.add(parquetPaths.trades),
        }
      : null;
    const reportTemp = flags.report ? outputs.add(reportPath) : null;
    const maxFileBytes = flags.maxFileMb > 0 ? Math.round(flags.maxFileMb * 1e6) : undefined;
    const journalFile = openJournalFile(
      outputs.add(journalPath),
      config.id,
      maxFileBytes === undefined
        ? undefined
        : {
            maxBytes: maxFileBytes,
            path: (firstSeq) =>
              outputs.add(join(journalDir, journalPartName(basename(journalPath), firstSeq))),
          },
    );
    if (flags.tape !== undefined) prepareOutputDir('--tape', dirname(resolve(flags.tape)));
    const journal =
      flags.tape === undefined
        ? journalFile
        : teeJournalToTape(journalFile, outputs.add(resolve(flags.tape)), config.id, Date.now());
    // The rebalance records go to a scratch file as the engine makes them (a long run makes
    // millions of trade rows); the writers and the report read them back from it.
    const rebalances = new RebalanceSpill(
      outputs.scratch(join(outDir, `portfolio_${config.id}_rebalances.spill`)),
      spillOptionsFor(barEvents),
    );
    const progress = createProgress(!flags.quiet);
    /** The names of the result's rebalance parts, when its rebalances did not fit. */
    const resultParts: string[] = [];
    let result;
    // The bar loop is synchronous: a signal during it keeps its default action (the
    // process ends at once; only temporary files, removed by the next run, are left). A
    // signal caught since the handlers went in waits for the event loop's poll phase: it
    // reaches them first (two turns: the second comes after a poll), or it would be dropped
    // with them and the run would go on.
    await setImmediatePromise();
    await setImmediatePromise();
    release();
    const sideThread = threads === 2 ? startSideThread() : null;
    try {
      const engine = new PortfolioBacktestEngine(config, registry, {
        journal,
        rebalanceStore: rebalances,
        ...(flags.fillModel === undefined ? {} : { fillModel: flags.fillModel }),
        ...(start === undefined ? {} : { start }),
        ...(end === undefined ? {} : { end }),
        curveEvery: flags.curveEvery,
        onProgress: (done, total) => progress.update('backtest', done, total, 'bars'),
        clock: () => performance.now(),
        dataPath,
        dataSha256,
        loadMs,
        versions: versions(),
      });
      if (sideThread === null) {
        result = engine.runColumnar(data);
      } else {
        const thread = sideThread;
        result = await engine.runColumnarWith(data, (task) => thread.run(task));
      }
    } catch (error) {
      // Strategies are resolved against the data's symbols inside the engine.
      throw isContractError(error) ? inFile(flags.portfolioConfig, error) : error;
    } finally {
      journal.close();
      rebalances.close();
      await sideThread?.close();
      release = onInterrupt(outputs);
      data = null;
    }

    try {
      if (resultTemp !== null) {
        await writeBacktestResult(resultTemp, result, {
          onProgress: (done, total) => progress.update('writing result', done, total, 'rows'),
          ...(maxFileBytes === undefined
            ? {}
            : {
                maxFileBytes,
                name: basename(resultPath),
                partPath: (name: string) => {
                  resultParts.push(name);
                  return outputs.add(join(outDir, name));
                },
              }),
        });
      }
      if (parquetTemps !== null) {
        progress.update('writing parquet', 0, 1, 'files');
        // The Parquet writer is loaded only when asked for.
        const { writeResultParquet } = await import('./adapters/parquet-files.js');
        await writeResultParquet(result, parquetTemps);
        progress.update('writing parquet', 1, 1, 'files');
      }
      if (reportTemp !== null) {
        progress.update('writing report', 0, 1, 'report');
        writeFileSync(
          reportTemp,
          renderPortfolioReportFromCurves(result.summary, result.curves, {
            rebalances: rebalances.records(),
          }),
        );
        progress.update('writing report', 1, 1, 'report');
      }
    } finally {
      progress.stop();
    }
    // Result, report and journal change together: an older report never sits beside a
    // newer result.
    outputs.commit(
      [
        ...(reportTemp === null ? [reportPath] : []),
        ...(resultTemp === null ? [resultPath] : []),
        ...(parquetTemps === null ? Object.values(parquetPaths) : []),
        // Parts of an earlier run that this run did not write.
        ...filesIn(outDir, (name) => isRebalancePartName(basename(resultPath), name)),
        ...filesIn(journalDir, (name) => isJournalPartName(basename(journalPath), name)),
      ].filter((path) => !outputs.has(path)),
    );
    say(
      formatSummary(result.summary, {
        dataBars,
        rebalanceReasons: rebalances.reasons,
      }),
    );
    if (resultTemp !== null) {
      const parts =
        resultParts.length === 0
          ? ''
          : ` (with it, too large for --max-file-mb ${flags.maxFileMb}: its rebalances in ${resultParts.length} file(s), ${resultParts[0] ?? ''} to ${resultParts[resultParts.length - 1] ?? ''})`;
      say(`\nresult:  ${resultPath}${parts}`);
    }
    if (parquetTemps !== null) say(`parquet: ${Object.values(parquetPaths).join(', ')}`);
    if (reportTemp !== null) say(`report:  ${reportPath}`);
    else say('report:  not written (--no-report; an older report was removed)');
    const journalParts = journalFile.parts.map((seq) =>
      journalPartName(basename(journalPath), seq),
    );
    say(
      `journal: ${journalPath} (${journal.lines} lines${journalParts.length === 0 ? '' : `; past --max-file-mb ${flags.maxFileMb} it goes on in ${journalParts.length} part(s), ${journalParts[0] ?? ''} to ${journalParts[journalParts.length - 1] ?? ''}`})`,
    );
    if (flags.tape !== undefined) say(`tape:    ${resolve(flags.tape)}`);
    say(
      `${result.summary.stats.bars} bars, ${result.summary.stats.barEvents} bar events in ${result.summary.stats.runMs.toFixed(0)} ms`,
    );
  } catch (error) {
    outputs.abandon();
    throw error;
  } finally {
    release();
  }
}

async function generate(flags: GenerateFlags): Promise<void> {
  const startNs =
    flags.start === undefined ? undefined : parseDateFlag('--start', flags.start, false);
  const options = {
    symbols: flags.symbols,
    bars: flags.bars,
    seed: flags.seed,
    interval: flags.interval,
    ...(flags.calendar === undefined ? {} : { calendar: flags.calendar }),
    ...(startNs === undefined ? {} : { startSec: Number(startNs / 1_000_000_000n) }),
  };
  const plan = planSyntheticCsv(options);
  if (!plan.success) throw new BadInput(`generate-data: ${plan.error}`);
  if (plan.note !== undefined && !flags.quiet) console.error(`generate-data: ${plan.note}`);
  if (flags.out.trim() === '') throw new BadInput('generate-data: --out is empty (pass a file)');
  const target = resolve(flags.out);
  const dir = prepareOutputDir('--out (its directory)', dirname(target));
  // About 45 characters of numbers per row besides the time and the symbol.
  const rowChars = (plan.interval === '1d' ? 10 : 20) + String(flags.symbols).length + 1 + 48;
  const estimated = plan.rows * rowChars;
  const free = freeBytes(dir);
  if (free !== null && estimated > free) {
    throw new BadInput(
      `generate-data: ${plan.rows} rows need about ${gib(estimated)}, but only ${gib(free)} is free in ${dir}: use fewer --symbols or --bars, or another --out`,
    );
  }
  const outputs = new OutputSet();
  const release = onInterrupt(outputs);
  try {
    const stream = createWriteStream(outputs.add(target));
    const failed: { error: Error | null } = { error: null };
    stream.on('error', (error: Error) => {
      failed.error = error;
    });
    const progress = createProgress(!flags.quiet);
    let written = 0;
    for (const chunk of syntheticPriceCsv(options)) {
      if (failed.error !== null) throw failed.error;
      if (!stream.write(chunk)) await once(stream, 'drain');
      written += chunk.length;
      progress.update('generating', Math.min(written, estimated), estimated, 'bytes');
    }
    stream.end();
    await once(stream, 'finish');
    progress.stop();
    outputs.commit();
  } catch (error) {
    outputs.abandon();
    throw error;
  } finally {
    release();
  }
  if (!flags.quiet) {
    const iso = (sec: number): string =>
      new Date(sec * 1000).toISOString().slice(0, plan.interval === '1d' ? 10 : 19);
    console.log(
      `wrote ${flags.symbols} symbol(s) x ${flags.bars} bars of ${plan.interval} (${plan.calendar} calendar, ${iso(plan.firstSec)} to ${iso(plan.lastSec)}, seed ${flags.seed}) to ${flags.out}`,
    );
  }
}

async function validate(
  path: string,
  flags: { readonly data?: string; readonly strategies?: string },
): Promise<void> {
  const options: ValidateFlags = {
    data: flags.data ?? defaultDataPath(),
    ...(flags.strategies === undefined ? {} : { strategies: flags.strategies }),
  };
  const lines = await validateConfig(path, options);
  console.log(lines.join('\n'));
}

/** The paths of the files in `dir` whose names pass `keep` (none when it cannot be read). */
function filesIn(dir: string, keep: (name: string) => boolean): string[] {
  try {
    return readdirSync(dir)
      .filter(keep)
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}

function gib(bytes: number): string {
  return bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(1)} GiB`
    : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

function freeBytes(dir: string): number | null {
  try {
    const info = statfsSync(dir);
    return info.bavail * info.bsize;
  } catch {
    return null;
  }
}

function exitCodeOf(error: unknown): number {
  if (
    isContractError(error) ||
    isPriceDataError(error) ||
    error instanceof DateFlagError ||
    error instanceof BadInput ||
    error instanceof OutputDirError
  )
    return 2;
  if (isBacktestError(error)) return 2;
  return 1;
}

async function main(): Promise<void> {
  const program = buildProgram({ run, generate, validate }).exitOverride();
  registerSweepCommands(program);
  try {
    await program.parseAsync(normalizeArgv(process.argv), { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; usage errors (already printed) are bad input.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (isStrategyFaultError(error)) {
      // The user's strategy failed: its id, the bar, the symbol, and its own frames only.
      const frames = error.userFrames.slice(0, 10).map((frame) => `    ${frame}`);
      console.error([`njord-backtest: ${error.message}`, ...frames].join('\n'));
      process.exitCode = 1;
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
