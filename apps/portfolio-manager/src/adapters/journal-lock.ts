// The journal's own lock: one writer of a portfolio's journal per folder, enforced by the
// kernel. The Redis lock fences what a holder writes to Redis; a local file cannot check a
// token, so a holder paused between its lease check and its write (SIGSTOP, a stalled VM)
// would append one batch after its successor's lines. An exclusive flock(2) on
// `<journal_dir>/portfolio.<id>.lock`, held by a small child process (`flock` of
// util-linux: Node has no flock), closes that: the successor reads and writes the journal
// only once the last holder is gone, whatever its pid namespace, and a holder's pause cannot
// put its lines among another's. The kernel releases the lock when the holder dies (the
// child reads the holder's end of a pipe and exits at its end of file).
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeDirectory } from '@njord/portfolio-contracts/node';
import type { Logger } from '../logger.js';

/** The lock file of `portfolioId`'s journal in `folder` (never removed: see flock(1)). */
export function journalLockPath(folder: string, portfolioId: string): string {
  return join(folder, `portfolio.${portfolioId}.lock`);
}

/** What one attempt found. */
type Attempt =
  | { readonly kind: 'held'; readonly child: ChildProcess }
  | { readonly kind: 'busy' }
  /** No `flock` command: the lease alone guards the journal. */
  | { readonly kind: 'unavailable'; readonly reason: string }
  /** flock could not lock the file (cannot open it, no locks on its file system). */
  | { readonly kind: 'failed'; readonly reason: string };

const HELD = 'held\n';
/** `sh -c` script, the lock file as $0: flock holding it, deaf to stop signals. */
const FLOCK_SCRIPT = `trap '' INT TERM HUP QUIT; exec flock -x -n "$0" -c 'echo held; exec cat >/dev/null'`;

/** One non-blocking try: a child holding the lock, `busy`, or why none can be taken. */
function attempt(path: string): Promise<Attempt> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (value: Attempt) => {
      if (settled) return;
      settled = true;
      resolve(value);
    };
    let child: ChildProcess;
    try {
      // flock (short options: util-linux and BusyBox both take them) says "held" once it has
      // the lock, then waits on its stdin (the holder's pipe) and exits at its end. It ignores
      // the signals a stop sends to a whole process group or container (Ctrl-C in a terminal,
      // `docker stop`, systemd): the manager stops cleanly and lets the lock go last; an
      // ignored signal stays ignored across exec.
      child = spawn('/bin/sh', ['-c', FLOCK_SCRIPT, path], { stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (error) {
      settle({ kind: 'failed', reason: `flock failed to start: ${String(error)}` });
      return;
    }
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
      if (out === HELD) settle({ kind: 'held', child });
    });
    child.stderr?.on('data', (chunk: string) => {
      err += chunk;
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      settle({ kind: 'failed', reason: `flock failed to start: ${error.message}` });
    });
    // 'close': after its output is read whole (flock's reason on stderr).
    child.on('close', (code, signal) => {
      // flock -n exits 1 when another process holds the lock (and says nothing); the shell
      // 127 when there is no flock command.
      if (code === 1 && out === '' && err.trim() === '') settle({ kind: 'busy' });
      else if (code === 127 && out === '')
        settle({ kind: 'unavailable', reason: 'the flock command is not installed (util-linux)' });
      else
        settle({
          kind: 'failed',
          reason: `flock exited ${signal ?? code}${err.trim() === '' ? '' : `: ${err.trim()}`}`,
        });
    });
  });
}

export interface JournalLockOptions {
  /** How often a waiting manager tries again. */
  readonly retryEveryMs?: number;
}

export class JournalFileLock {
  private child: ChildProcess | null = null;
  private releasing = false;
  private readonly retryEveryMs: number;

  constructor(
    readonly path: string,
    private readonly logger: Logger,
    options: JournalLockOptions = {},
  ) {
    this.retryEveryMs = options.retryEveryMs ?? 250;
  }

  get held(): boolean {
    return this.child !== null;
  }

  /**
   * The journal may be written: the lock is held, or there is no flock command and the lease
   * alone guards it (`acquire` resolved true and nothing was lost or released since).
   */
  get guarding(): boolean {
    return this.child !== null || this.leaseOnly;
  }

  /** `acquire` found no flock command and went on with the lease alone. */
  private leaseOnly = false;

  /**
   * Waits for the lock; resolves false if `shouldStop()` turns true first. `onLost` is told
   * if the child holding it ends while it is held (killed from outside): the manager stops.
   * Without a `flock` command it logs so and resolves true: the journal is then guarded by
   * the lease alone. Throws when flock cannot lock the file (it cannot open it, or its file
   * system has no locks): a manager does not write a journal it could not lock.
   */
  async acquire(shouldStop: () => boolean, onLost: (reason: string) => void): Promise<boolean> {
    try {
      makeDirectory(dirname(this.path));
    } catch (error) {
      throw new Error(
        `cannot create the journal folder ${dirname(this.path)} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
    }
    let waitingSince: number | undefined;
    let lastLogMs = 0;
    while (!shouldStop()) {
      const found = await attempt(this.path);
      if (found.kind === 'held') {
        this.hold(found.child, onLost);
        if (shouldStop()) {
          await this.release();
          return false;
        }
        if (waitingSince !== undefined)
          this.logger.info(
            { journal_lock: this.path, waited_ms: Math.round(Date.now() - waitingSince) },
            'journal lock acquired after waiting',
          );
        return true;
      }
      if (found.kind === 'failed')
        throw new Error(`cannot lock the journal at ${this.path}: ${found.reason}`);
      if (found.kind === 'unavailable') {
        this.logger.warn(
          { journal_lock: this.path, reason: found.reason },
          'journal lock unavailable: the journal is guarded by the lease alone (a holder paused between its lease check and its write could add one batch after a successor)',
        );
        this.leaseOnly = true;
        return true;
      }
      const now = Date.now();
      waitingSince ??= now;
      // A clean hand-over (the last holder closing its journal) takes a moment: said only
      // past 2 s, then every 30 s.
      if (now - waitingSince >= 2000 && now - lastLogMs >= 30_000) {
        lastLogMs = now;
        this.logger.warn(
          { journal_lock: this.path },
          'another process on this host still holds this portfolio journal (stopped or hung?); waiting for it to end',
        );
      }
      await sleep(this.retryEveryMs);
    }
    return false;
  }

  private hold(child: ChildProcess, onLost: (reason: string) => void): void {
    this.child = child;
    child.stdout?.destroy();
    child.stderr?.destroy();
    // The child does not keep the process alive (nor does its idle stdin pipe).
    child.unref();
    child.stdin?.on('error', () => undefined);
    child.once('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      if (!this.releasing) onLost(`the journal lock's flock process ended (${signal ?? code})`);
    });
  }

  /** Lets the lock go (the child sees its stdin end and exits). */
  async release(): Promise<void> {
    this.leaseOnly = false;
    const child = this.child;
    if (child === null) return;
    this.releasing = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Held while it ends: the process must not run out of work (and exit 0) in the wait.
    child.ref();
    child.stdin?.end();
    const done = await Promise.race([exited.then(() => true), sleep(2000, false)]);
    if (!done) child.kill('SIGKILL');
    this.child = null;
    this.releasing = false;
  }
}
