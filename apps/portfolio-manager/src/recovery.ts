// Recovery: rebuilds the tracker, the plans in flight, the mark guard and the risk adjustment
// from a portfolio's journal lines (its last checkpoint, then every line after it).
import { createHash } from 'node:crypto';
import {
  decodeFillEvent,
  decodePriceMark,
  decodeRebalancePlan,
  encodePortfolioConfig,
  parsePortfolioConfig,
  type PortfolioConfig,
} from '@njord/portfolio-contracts';
import {
  MarkGuard,
  type MarkGuardJson,
  PlanBook,
  type PlanBookJson,
  PortfolioTracker,
  type TrackerStateJson,
} from '@njord/portfolio-tracker';
import type { RawJournalLine } from './adapters/journal-file.js';
import {
  DEFAULT_RETURN_SAMPLING,
  LiveRiskAdjuster,
  type ReturnSamplingOptions,
  type RiskCheckpointJson,
} from './risk-adjustment.js';

/** sha256 of the config's wire form (defaults written out), so formatting changes do not count. */
export function hashPortfolioConfig(config: PortfolioConfig): string {
  return createHash('sha256')
    .update(JSON.stringify(encodePortfolioConfig(config)))
    .digest('hex');
}

export function decodeConfigWire(wire: unknown): PortfolioConfig {
  return parsePortfolioConfig({ portfolio: wire });
}

/** The body of a `checkpoint` line. */
export interface CheckpointBody {
  readonly config_hash: string;
  readonly config: Record<string, unknown>;
  readonly tracker: TrackerStateJson;
  readonly plans: PlanBookJson;
  readonly marks: MarkGuardJson;
  /** Only under a config with `risk_adjustment`: the return samples and the weights in force. */
  readonly risk?: RiskCheckpointJson;
}

export function checkpointBody(
  config: PortfolioConfig,
  configHash: string,
  tracker: PortfolioTracker,
  plans: PlanBook,
  marks: MarkGuard,
  risk: LiveRiskAdjuster | null = null,
): CheckpointBody {
  return {
    config_hash: configHash,
    config: encodePortfolioConfig(config).portfolio,
    tracker: tracker.serialize(),
    plans: plans.toJSON(),
    marks: marks.toJSON(),
    ...(risk === null ? {} : { risk: risk.toJSON() }),
  };
}

export interface Recovered {
  readonly tracker: PortfolioTracker;
  readonly plans: PlanBook;
  readonly marks: MarkGuard;
  /** The risk adjustment (null when the config has no `risk_adjustment`); the tracker uses its allocator. */
  readonly risk: LiveRiskAdjuster | null;
  /** The config the recovered state is under, and its hash. */
  readonly config: PortfolioConfig;
  readonly configHash: string;
  readonly lastSeq: number;
  /** No own line in the journal: a first start. */
  readonly fresh: boolean;
  readonly fromCheckpointSeq: number | null;
  /** Lines applied after the checkpoint. */
  readonly replayed: number;
  readonly warnings: readonly string[];
}

function seqOf(line: RawJournalLine): number {
  const seq = line.value.seq;
  return typeof seq === 'number' && Number.isSafeInteger(seq) ? seq : -1;
}

function nsOf(value: unknown): bigint | null {
  return typeof value === 'string' && /^\d+$/.test(value) ? BigInt(value) : null;
}

/**
 * Replays `lines` (own lines from the last checkpoint on, as `scanJournal` returns them).
 * Without any line it makes a fresh tracker under `config` starting at `startNs`.
 * Lines whose seq does not increase are skipped with a warning (a second writer).
 * Risk adjustment: the checkpoint's samples and weights, then every `snapshot` line is sampled
 * again and every `plan` line's transfers counted (as the live manager did), and an
 * `adjustment` line switches the tracker to its weights.
 */
export function replayJournal(
  lines: readonly RawJournalLine[],
  config: PortfolioConfig,
  maxMarkJump: number,
  startNs: bigint,
  sampling: ReturnSamplingOptions = DEFAULT_RETURN_SAMPLING,
): Recovered {
  const warnings: string[] = [];
  if (lines.length === 0) {
    return {
      tracker: new PortfolioTracker(config, { startNs }),
      plans: new PlanBook(),
      marks: new MarkGuard(maxMarkJump),
      risk: LiveRiskAdjuster.create(config, sampling),
      config,
      configHash: hashPortfolioConfig(config),
      lastSeq: 0,
      fresh: true,
      fromCheckpointSeq: null,
      replayed: 0,
      warnings,
    };
  }

  const first = lines[0] as RawJournalLine;
  let tracker: PortfolioTracker;
  let plans: PlanBook;
  let marks: MarkGuard;
  let risk: LiveRiskAdjuster | null;
  let currentConfig: PortfolioConfig;
  let configHash: string;
  let fromCheckpointSeq: number | null = null;
  let rest: readonly RawJournalLine[];
  if (first.value.type === 'checkpoint') {
    const body = first.value as unknown as CheckpointBody;
    currentConfig = decodeConfigWire(body.config);
    configHash = body.config_hash;
    risk = LiveRiskAdjuster.create(currentConfig, sampling);
    if (risk !== null && body.risk !== undefined) risk.restore(body.risk);
    tracker = PortfolioTracker.restore(
      currentConfig,
      body.tracker,
      risk === null ? {} : { allocator: risk.allocator },
    );
    plans = PlanBook.fromJSON(body.plans);
    marks = MarkGuard.fromJSON(maxMarkJump, body.marks);
    fromCheckpointSeq = seqOf(first);
    rest = lines.slice(1);
  } else {
    // No checkpoint made it to disk (the first batch was torn): start as the first start did.
    const configLine = first.value.type === 'config' ? first.value : undefined;
    currentConfig = configLine ? decodeConfigWire(configLine.config) : config;
    configHash = hashPortfolioConfig(currentConfig);
    const firstNs = nsOf(first.value.timestamp_ns) ?? startNs;
    tracker = new PortfolioTracker(currentConfig, { startNs: firstNs });
    risk = LiveRiskAdjuster.create(currentConfig, sampling);
    plans = new PlanBook();
    marks = new MarkGuard(maxMarkJump);
    if (!configLine)
      warnings.push(
        'journal has lines of this portfolio but neither a checkpoint nor a config line first',
      );
    rest = configLine ? lines.slice(1) : lines;
  }

  let lastSeq = seqOf(first);
  let replayed = 0;
  for (const line of rest) {
    const seq = seqOf(line);
    if (seq <= lastSeq) {
      warnings.push(`line seq ${seq} after seq ${lastSeq} skipped (offset ${line.offset})`);
      continue;
    }
    lastSeq = seq;
    replayed++;
    const value = line.value;
    switch (value.type) {
      case 'fill': {
        const fill = decodeFillEvent(value.fill);
        const result = tracker.onFill(fill);
        if (!result.success) warnings.push(`fill line seq ${seq}: ${result.error.message}`);
        else if (result.data.status === 'duplicate')
          warnings.push(`fill line seq ${seq}: duplicate ${fill.fillId}`);
        plans.onFill(fill);
        break;
      }
      case 'mark': {
        const mark = decodePriceMark(value.mark);
        tracker.onPrice(mark);
        marks.accept(mark.symbol, mark.price, mark.timestampNs);
        break;
      }
      case 'error': {
        if (value.mark !== undefined) {
          const mark = decodePriceMark(value.mark);
          marks.reject(mark.symbol, mark.price);
        }
        break;
      }
      case 'plan': {
        const plan = decodeRebalancePlan(value.plan);
        tracker.applyPlan(plan);
        plans.add(plan);
        risk?.sampler.onTransfers(plan.transfers);
        break;
      }
      case 'published':
        if (typeof value.plan_id === 'string') plans.markPublished(value.plan_id);
        break;
      case 'config': {
        currentConfig = decodeConfigWire(value.config);
        configHash =
          typeof value.hash === 'string' ? value.hash : hashPortfolioConfig(currentConfig);
        tracker.reconfigure(currentConfig);
        risk = LiveRiskAdjuster.create(currentConfig, sampling, risk);
        break;
      }
      case 'snapshot': {
        const snapshot = value.snapshot as
          { timestamp_ns?: unknown; strategy_allocations?: unknown } | undefined;
        const at = nsOf(snapshot?.timestamp_ns);
        const capitals = snapshot?.strategy_allocations;
        if (risk === null) break;
        if (at === null || typeof capitals !== 'object' || capitals === null) {
          warnings.push(`snapshot line seq ${seq}: no timestamp_ns or strategy_allocations`);
          break;
        }
        risk.sampler.onSnapshot(at, capitals as Record<string, number>);
        break;
      }
      case 'adjustment': {
        const at = nsOf(value.timestamp_ns);
        if (risk === null || at === null) {
          warnings.push(
            `adjustment line seq ${seq} ignored: ${risk === null ? 'the config has no risk_adjustment' : 'no timestamp_ns'}`,
          );
          break;
        }
        risk.applyLine(at, value);
        tracker.setAllocator(risk.allocator);
        break;
      }
      default:
        // funding, checkpoint (an older one cannot follow): nothing to rebuild.
        break;
    }
  }
  return {
    tracker,
    plans,
    marks,
    risk,
    config: currentConfig,
    configHash,
    lastSeq,
    fresh: false,
    fromCheckpointSeq,
    replayed,
    warnings,
  };
}
