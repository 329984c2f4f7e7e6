// Recovery is `apply` over journal lines: each decoded line as kernel events, a kernel restored
// from a checkpoint line, and the replay of a portfolio's lines from its last checkpoint.
import {
  type JournalLine,
  type JournalLineOf,
  type PortfolioConfig,
} from '@njord/portfolio-contracts';
import type { ReturnSamplerJson } from '@njord/portfolio-risk';
import {
  MarkGuard,
  PlanBook,
  type MarkGuardJson,
  type PlanBookJson,
  PortfolioTracker,
  type TrackerStateJson,
} from '@njord/portfolio-tracker';
import type { BreakersJson } from './breakers.js';
import type { KernelEvent } from './events.js';
import { DEFAULT_MAX_MARK_JUMP, type KernelOptions, PortfolioKernel } from './kernel.js';

/**
 * The events a journal line stands for (none for lines that only record: funding, checkpoint,
 * command, an error without a refused mark). A snapshot is a clock risk sample.
 */
export function journalLineEvents(line: JournalLine): KernelEvent[] {
  switch (line.type) {
    case 'fill':
      return [{ type: 'fill', fill: line.fill }];
    case 'mark':
      return [{ type: 'mark', mark: line.mark }];
    case 'error':
      return line.mark === undefined
        ? []
        : [{ type: 'mark_rejected', symbol: line.mark.symbol, price: line.mark.price }];
    case 'plan':
      return [{ type: 'plan', plan: line.plan }];
    case 'published':
      return [{ type: 'published', planId: line.plan_id }];
    case 'adjustment':
      return [
        {
          type: 'adjustment',
          timestampNs: line.timestamp_ns,
          weights: line.adjustment.weights,
          // Older lines: the adjustment saw every sample up to its own time.
          inputLatestNs:
            line.input_latest_ns === undefined ? line.timestamp_ns : line.input_latest_ns,
        },
      ];
    case 'config':
      return [{ type: 'config', config: line.config }];
    case 'snapshot':
      return [
        {
          type: 'sample',
          timestampNs: line.snapshot.timestampNs,
          capitals: line.snapshot.strategyAllocations,
        },
      ];
    case 'breaker':
      return [
        {
          type: 'breaker',
          timestampNs: line.timestamp_ns,
          strategyId: line.strategy_id,
          reason: line.reason,
          ...(line.drawdown === undefined ? {} : { drawdown: line.drawdown }),
        },
      ];
    case 'halt':
      return [
        {
          type: 'halt',
          timestampNs: line.timestamp_ns,
          reason: line.reason,
          ...(line.drawdown === undefined ? {} : { drawdown: line.drawdown }),
        },
      ];
    case 'resume':
      return [
        {
          type: 'resume',
          timestampNs: line.timestamp_ns,
          ...(line.strategy_id === undefined ? {} : { strategyId: line.strategy_id }),
          ...(line.by === undefined ? {} : { by: line.by }),
        },
      ];
    case 'funding':
    case 'checkpoint':
    case 'command':
      return [];
  }
}

/** A kernel's state in a `checkpoint` line (the config and its hash are the caller's). */
export interface KernelCheckpoint {
  readonly tracker: TrackerStateJson;
  readonly plans: PlanBookJson;
  readonly marks: MarkGuardJson;
  readonly risk?: {
    readonly sampler?: Record<string, unknown>;
    readonly last_adjustment_ns: string | null;
    readonly last_input_ns: string | null;
    readonly weights: Readonly<Record<string, number>> | null;
  };
  /** Paused sleeves, the halt and the drawdown watch. */
  readonly breakers?: BreakersJson;
}

/**
 * The checkpoint body of `kernel` (tracker, plans in flight, mark guard, risk state, breakers).
 * With `fillsSince`, the tracker's applied fills are only those numbered from it on (a link
 * of a checkpoint chain; see `PortfolioTracker.serialize`).
 */
export function checkpointKernel(
  kernel: PortfolioKernel,
  options: { readonly fillsSince?: number } = {},
): KernelCheckpoint {
  const risk = kernel.risk;
  return {
    tracker: kernel.tracker.serialize(options),
    plans: kernel.plans.toJSON(),
    marks: kernel.marks.toJSON(),
    breakers: kernel.breakersJson(),
    ...(risk === null
      ? {}
      : {
          risk: {
            ...(risk.sampler === null ? {} : { sampler: { ...risk.sampler.toJSON() } }),
            last_adjustment_ns: risk.lastAdjustmentNs?.toString() ?? null,
            last_input_ns: risk.lastInputNs?.toString() ?? null,
            weights: risk.weights === null ? null : { ...risk.weights },
          },
        }),
  };
}

export interface ReplayOptions extends Omit<
  KernelOptions,
  'tracker' | 'plans' | 'marks' | 'startNs'
> {
  /** The config when the lines carry none (a live journal whose first lines were torn). */
  readonly config?: PortfolioConfig;
  /** The frequency clock's start when no line gives one. */
  readonly startNs?: bigint;
  /**
   * When the last checkpoint is a link of a chain (its tracker state is version 2): the
   * `applied_fills` of the earlier links, oldest first (an iterable read lazily, so only one
   * link is held at a time).
   */
  readonly earlierFills?: Iterable<unknown>;
  /**
   * With `dedupeWindowNs`: forget fill ids older than two windows before the newest line's
   * time as the lines go (a fill older than one window is never journaled live, so nothing a
   * later line needs is forgotten), and plans as old whose intents are all filled, so a journal
   * of millions of fills replays in memory that follows the window instead of the journal's
   * length. Default: keep every id and plan.
   */
  readonly forgetByLineTime?: boolean;
}

export interface Replayed {
  readonly kernel: PortfolioKernel;
  /** The seq of the last line applied (0 with no lines). */
  readonly lastSeq: number;
  readonly fromCheckpointSeq: number | null;
  /** Lines applied after the checkpoint (or from the start). */
  readonly replayed: number;
  /** Lines passed over, and why (a seq that does not rise, a refused fill). */
  readonly warnings: readonly string[];
}

function restoreFromCheckpoint(
  line: JournalLineOf<'checkpoint'>,
  config: PortfolioConfig,
  options: ReplayOptions,
): PortfolioKernel {
  // Older backtest journals: the final tracker state as `state`.
  const state = (line.tracker ?? line.state) as TrackerStateJson | undefined;
  if (state === undefined) throw new Error(`checkpoint line seq ${line.seq} has no tracker state`);
  const tracker = PortfolioTracker.restore(config, state, {
    ...(options.dedupeWindowNs === undefined ? {} : { dedupeWindowNs: options.dedupeWindowNs }),
    ...(options.earlierFills === undefined ? {} : { earlierFills: options.earlierFills }),
  });
  const kernel = new PortfolioKernel(config, {
    ...options,
    startNs: line.timestamp_ns,
    tracker,
    // fromJSON decodes each plan through the contracts (the wire plan is checked there).
    plans: PlanBook.fromJSON(line.plans as PlanBookJson | undefined),
    marks: MarkGuard.fromJSON(options.maxMarkJump ?? DEFAULT_MAX_MARK_JUMP, line.marks),
  });
  // Checkpoints from before breakers carry none: nothing paused, not halted.
  if (line.breakers !== undefined) kernel.restoreBreakers(line.breakers);
  const risk = kernel.risk;
  if (risk !== null && line.risk !== undefined) {
    if (line.risk.sampler !== undefined && risk.sampler !== null)
      // restore() checks the sampler's state and throws if it is malformed.
      risk.sampler.restore(line.risk.sampler as unknown as ReturnSamplerJson);
    risk.lastAdjustmentNs =
      line.risk.last_adjustment_ns === null ? null : BigInt(line.risk.last_adjustment_ns);
    const input = line.risk.last_input_ns;
    risk.lastInputNs =
      input === undefined ? risk.lastAdjustmentNs : input === null ? null : BigInt(input);
    if (line.risk.weights !== null) {
      kernel.apply({
        type: 'adjustment',
        timestampNs: risk.lastAdjustmentNs ?? line.timestamp_ns,
        weights: line.risk.weights,
        inputLatestNs: risk.lastInputNs,
      });
    }
  }
  return kernel;
}

/**
 * Rebuilds a portfolio's kernel from its journal lines (one portfolio's, in file order): from
 * the last checkpoint if there is one, else from the first line (a `config` line gives the
 * config; else `options.config`), then every later line through `apply`. A line whose seq does
 * not rise is passed over with a warning (a second writer); a refused fill too.
 */
export function replayJournal(lines: readonly JournalLine[], options: ReplayOptions): Replayed {
  return replayJournalStream(lines, [], options);
}

/**
 * `replayJournal` over `head` and then `tail`, with `tail` read one line at a time (never
 * held): the start (the last checkpoint, with the config line it needs, or the first line) must
 * be in `head`, so a long journal's lines after it can come straight from its file.
 */
export function replayJournalStream(
  head: readonly JournalLine[],
  tail: Iterable<JournalLine>,
  options: ReplayOptions,
): Replayed {
  const lines = head;
  const warnings: string[] = [];
  let start = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    if ((lines[i] as JournalLine).type === 'checkpoint') {
      start = i;
      break;
    }
  }
  const first = lines[start];
  let kernel: PortfolioKernel;
  let fromCheckpointSeq: number | null = null;
  let rest = start;
  if (first === undefined) {
    if (options.config === undefined) throw new Error('no journal lines and no config');
    kernel = new PortfolioKernel(options.config, { ...options, startNs: options.startNs ?? 0n });
  } else if (first.type === 'checkpoint') {
    const config = first.config ?? options.config ?? configBefore(lines, start);
    if (config === undefined) throw new Error(`checkpoint line seq ${first.seq} has no config`);
    kernel = restoreFromCheckpoint(first, config, options);
    fromCheckpointSeq = first.seq;
    rest = start + 1;
  } else {
    const config = first.type === 'config' ? first.config : options.config;
    if (config === undefined)
      throw new Error(`journal starts with a ${first.type} line: no config to start from`);
    if (first.type !== 'config')
      warnings.push(
        'journal has lines of this portfolio but neither a checkpoint nor a config line first',
      );
    kernel = new PortfolioKernel(config, { ...options, startNs: first.timestamp_ns });
    rest = first.type === 'config' ? 1 : 0;
  }

  let lastSeq = first?.seq ?? 0;
  let replayed = 0;
  const window = options.forgetByLineTime === true ? (options.dedupeWindowNs ?? 0n) : 0n;
  /** The next time (newest line time) at which to forget: every eighth of a window. */
  let forgetAtNs: bigint | null = null;
  const replay = (line: JournalLine): void => {
    if (line.seq <= lastSeq) {
      warnings.push(`line seq ${line.seq} after seq ${lastSeq} passed over`);
      return;
    }
    lastSeq = line.seq;
    replayed++;
    if (window > 0n && (forgetAtNs === null || line.timestamp_ns >= forgetAtNs)) {
      kernel.tracker.forgetFillsBefore(line.timestamp_ns - 2n * window);
      kernel.plans.forgetFilledBefore(line.timestamp_ns - 2n * window);
      forgetAtNs = line.timestamp_ns + window / 8n;
    }
    for (const event of journalLineEvents(line)) {
      if (event.type === 'adjustment' && kernel.risk === null) {
        warnings.push(
          `adjustment line seq ${line.seq} passed over: the config has no risk_adjustment`,
        );
        continue;
      }
      const result = kernel.apply(event);
      if (!result.success)
        warnings.push(`${line.type} line seq ${line.seq}: ${result.error.message}`);
      else if (result.data.status === 'duplicate')
        warnings.push(`${line.type} line seq ${line.seq}: duplicate fill`);
    }
  };
  for (let i = rest; i < lines.length; i++) replay(lines[i] as JournalLine);
  for (const line of tail) replay(line);
  return { kernel, lastSeq, fromCheckpointSeq, replayed, warnings };
}

function configBefore(lines: readonly JournalLine[], end: number): PortfolioConfig | undefined {
  for (let i = end - 1; i >= 0; i--) {
    const line = lines[i] as JournalLine;
    if (line.type === 'config') return line.config;
  }
  return undefined;
}
