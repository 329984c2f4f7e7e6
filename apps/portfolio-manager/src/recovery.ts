// Recovery: the portfolio's kernel rebuilt from its journal lines by the kernel's own replay
// (the last checkpoint, then `apply` over every line after it), as `replay` does for a file.
import { createHash } from 'node:crypto';
import {
  type CheckpointLedger,
  encodePortfolioConfig,
  type JournalBodyWire,
  type JournalLine,
  type JournalLineOf,
  type PortfolioConfig,
} from '@njord/portfolio-contracts';
import {
  checkpointKernel,
  type KernelOptions,
  PortfolioKernel,
  replayJournal,
} from '@njord/portfolio-kernel';
import { appliedFillCount } from '@njord/portfolio-tracker';
import type { ManagerConfig } from './config.js';
import {
  type ChainLink,
  decodeScannedLines,
  type JournalScan,
  readCheckpointChain,
} from './adapters/journal-file.js';
import type { CheckpointChain } from './journal.js';

/** sha256 of the config's wire form (defaults written out), so formatting changes do not count. */
export function hashPortfolioConfig(config: PortfolioConfig): string {
  return createHash('sha256')
    .update(JSON.stringify(encodePortfolioConfig(config)))
    .digest('hex');
}

/** The kernel options of the live manager (everything but the start time). */
export type LiveKernelOptions = Omit<KernelOptions, 'startNs' | 'tracker' | 'plans' | 'marks'>;

export function liveKernelOptions(
  manager: Pick<
    ManagerConfig,
    | 'planTimeoutSeconds'
    | 'maxMarkJump'
    | 'returnSampleSeconds'
    | 'snapshotIntervalSeconds'
    | 'dedupeWindowHours'
  >,
): LiveKernelOptions {
  return {
    planTimeoutNs: BigInt(Math.round(manager.planTimeoutSeconds * 1e9)),
    maxMarkJump: manager.maxMarkJump,
    dedupeWindowNs: BigInt(Math.round(manager.dedupeWindowHours * 3600e9)),
    riskSampling: {
      kind: 'clock',
      sampleSeconds: manager.returnSampleSeconds,
      snapshotIntervalSeconds: manager.snapshotIntervalSeconds,
    },
  };
}

export interface Recovered {
  readonly kernel: PortfolioKernel;
  /** The hash of the config the recovered state is under (as journaled). */
  readonly configHash: string;
  readonly lastSeq: number;
  /** No own line in the journal: a first start (sleeves funded at their targets). */
  readonly fresh: boolean;
  readonly fromCheckpointSeq: number | null;
  /** Lines applied after the checkpoint. */
  readonly replayed: number;
  readonly warnings: readonly string[];
}

/** The hash the last `config` or `checkpoint` line journaled, if any. */
function journaledConfigHash(lines: readonly JournalLine[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] as JournalLine;
    if (line.type === 'config' && line.hash !== undefined) return line.hash;
    if (line.type === 'checkpoint' && line.config_hash !== undefined) return line.config_hash;
  }
  return undefined;
}

/**
 * Rebuilds the kernel from `lines` (the portfolio's lines from its last checkpoint on, checked
 * and decoded). Without any line it is a fresh kernel under `config`, starting at `startNs`.
 */
export function recoverKernel(
  lines: readonly JournalLine[],
  config: PortfolioConfig,
  options: LiveKernelOptions,
  startNs: bigint,
  /** The earlier links' fills when the last checkpoint is a link of a chain. */
  earlierFills?: Iterable<unknown>,
): Recovered {
  if (lines.length === 0) {
    return {
      kernel: new PortfolioKernel(config, { ...options, startNs }),
      configHash: hashPortfolioConfig(config),
      lastSeq: 0,
      fresh: true,
      fromCheckpointSeq: null,
      replayed: 0,
      warnings: [],
    };
  }
  const replayed = replayJournal(lines, {
    ...options,
    config,
    startNs,
    ...(earlierFills === undefined ? {} : { earlierFills }),
  });
  return {
    kernel: replayed.kernel,
    configHash: journaledConfigHash(lines) ?? hashPortfolioConfig(replayed.kernel.config),
    lastSeq: replayed.lastSeq,
    fresh: false,
    fromCheckpointSeq: replayed.fromCheckpointSeq,
    replayed: replayed.replayed,
    warnings: replayed.warnings,
  };
}

/**
 * Recovery from a scanned journal (`scanJournal`): its lines decoded, the checkpoint chain
 * behind the last checkpoint read link by link, the kernel rebuilt. Also returns the chain's
 * links, for the checkpoints that follow. Throws JournalDamageError for a damaged line or link.
 */
export function recoverFromScan(
  journalPath: string,
  scan: JournalScan,
  config: PortfolioConfig,
  options: LiveKernelOptions,
  startNs: bigint,
  /** Segmented journals: the segment `journalPath` is, and the one-file journal's path. */
  files: { readonly segment?: string | undefined; readonly oneFile?: string | undefined } = {},
): { readonly recovered: Recovered; readonly links: readonly ChainLink[] } {
  const lines = decodeScannedLines(journalPath, scan.lines);
  const first = lines[0];
  const chain =
    first?.type === 'checkpoint' && scan.lines[0] !== undefined
      ? readCheckpointChain(journalPath, config.id, {
          seq: first.seq,
          offset: scan.lines[0].offset,
          ledger: first.ledger,
          ownFills: appliedFillsIn(first),
          segment: files.segment,
          oneFile: files.oneFile,
        })
      : null;
  const recovered = recoverKernel(lines, config, options, startNs, chain?.earlierFills);
  return { recovered, links: chain?.links ?? [] };
}

/**
 * The body of a `checkpoint` line: the config in force, its hash, the kernel's state; with
 * `link`, a link of a checkpoint chain (only the fills applied since `link.fillsSince`).
 */
export function checkpointBody(
  kernel: PortfolioKernel,
  configHash: string,
  link?: { readonly ledger: CheckpointLedger; readonly fillsSince: number | undefined },
): JournalBodyWire<'checkpoint'> {
  const state = checkpointKernel(
    kernel,
    link?.fillsSince === undefined ? {} : { fillsSince: link.fillsSince },
  );
  return {
    // First, so a reader walking the chain finds it in the line's head.
    ...(link === undefined ? {} : { ledger: link.ledger }),
    config_hash: configHash,
    config: encodePortfolioConfig(kernel.config).portfolio,
    // The tracker package checks its own state when restoring it.
    tracker: state.tracker as unknown as Record<string, unknown>,
    plans: state.plans as unknown as JournalBodyWire<'checkpoint'>['plans'],
    marks: state.marks,
    ...(state.risk === undefined ? {} : { risk: state.risk }),
    ...(state.breakers === undefined ? {} : { breakers: { ...state.breakers } }),
  };
}

/** How many applied fills a checkpoint line's own tracker state holds. */
export function appliedFillsIn(line: JournalLineOf<'checkpoint'>): number {
  return appliedFillCount((line.tracker ?? line.state)?.applied_fills) ?? 0;
}

/** Where checkpoint lines go: the manager's fenced journal, or a bare writer. */
export interface CheckpointSink {
  add(type: 'checkpoint', timestampNs: bigint, body: JournalBodyWire<'checkpoint'>): number;
  nextLineOffset(): number | null;
  /** Segmented journals: start a new segment if one is due; the segment written to. */
  beforeCheckpoint(): void;
  segment(): string | undefined;
}

/**
 * Adds the next link of `chain`: a checkpoint line holding the fills applied since the
 * previous link. Returns its seq.
 */
export function addChainedCheckpoint(
  sink: CheckpointSink,
  chain: CheckpointChain,
  kernel: PortfolioKernel,
  configHash: string,
  timestampNs: bigint,
  positions?: Record<string, string>,
): number {
  const tracker = kernel.tracker;
  sink.beforeCheckpoint();
  const link = chain.next(tracker);
  const offset = sink.nextLineOffset();
  const segment = sink.segment();
  const seq = sink.add('checkpoint', timestampNs, {
    ...checkpointBody(kernel, configHash, link),
    ...(positions === undefined ? {} : { positions }),
  });
  chain.written({
    seq,
    offset,
    added: tracker.ledgerAdded,
    ...(segment === undefined ? {} : { segment }),
  });
  return seq;
}
