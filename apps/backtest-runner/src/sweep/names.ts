// Names shared by the sweep's commands and its executors, in a module with no dependencies, so
// that the CLI loads BullMQ, ioredis and piscina only when a sweep or a worker runs.
export const SWEEP_QUEUE = 'sweep';
export const DEFAULT_PREFIX = 'njord';

/** Some runs of a sweep failed (exit 1). */
export class SweepFailed extends Error {
  readonly _tag = 'SweepFailed' as const;
}

/** The sweep was stopped by Ctrl-C or SIGTERM (exit 130); its stored results stay. */
export class SweepInterrupted extends Error {
  readonly _tag = 'SweepInterrupted' as const;
}

/** What a local sweep thread posts once its module has loaded (the pool ends it only after). */
export const THREAD_LOADED = 'njord-sweep-thread-loaded';
