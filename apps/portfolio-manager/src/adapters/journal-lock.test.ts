// The journal's file lock against real processes: a second holder waits while the first
// lives, stopped or not; the kernel frees it when the holder dies, however it dies.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryLogger, sleep, waitFor } from '../test-support.js';
import { JournalFileLock, journalLockPath } from './journal-lock.js';

const HOLDER = fileURLToPath(new URL('../test-support/journal-lock-holder.ts', import.meta.url));
const WAITING =
  'another process on this host still holds this portfolio journal (stopped or hung?); waiting for it to end';

const flockMissing = spawnSync('flock', ['--version']).error !== undefined;
if (flockMissing) console.warn('SKIPPED journal lock tests: no flock command (util-linux)');

/** A node process holding the lock on `path`, resolved once it has it. */
async function holder(path: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await waitFor(() => out === 'held\n', 20_000, 'the holder to take the lock', 20);
  return child;
}

/** The flock processes holding `path` (found by the lock path in their command line). */
function flockPids(path: string): number[] {
  return spawnSync('pgrep', ['-f', `flock -x -n ${path}`], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .filter((pid) => pid !== '')
    .map(Number);
}

/** A lock held in this process on `dir`'s journal of portfolio p, the losses it is told, its flock pids. */
async function heldLock(dir: string) {
  const path = journalLockPath(dir, 'p');
  const lost: string[] = [];
  const lock = new JournalFileLock(path, memoryLogger().logger);
  await lock.acquire(
    () => false,
    (reason) => lost.push(reason),
  );
  const pids = flockPids(path);
  expect(pids.length).toBeGreaterThan(0);
  return { path, lock, lost, pids };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

describe.skipIf(flockMissing)('JournalFileLock', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'njord-journal-lock-'));
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited(child);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('is per portfolio and folder', () => {
    expect(journalLockPath('/var/j', 'p-1')).toBe('/var/j/portfolio.p-1.lock');
  });

  it('a second lock in the same process waits for the first to be released', async () => {
    const path = journalLockPath(join(dir, 'nested'), 'p');
    const lost: string[] = [];
    const first = new JournalFileLock(path, memoryLogger().logger);
    expect(
      await first.acquire(
        () => false,
        (reason) => lost.push(reason),
      ),
    ).toBe(true);
    expect(first.held).toBe(true);
    const log = memoryLogger();
    const second = new JournalFileLock(path, log.logger, { retryEveryMs: 20 });
    let secondHeld = false;
    const waiting = second
      .acquire(
        () => false,
        (reason) => lost.push(reason),
      )
      .then((held) => {
        secondHeld = held;
      });
    await waitFor(() => log.lines.some((line) => line.msg === WAITING), 10_000, 'the wait log');
    await sleep(200);
    expect(secondHeld).toBe(false);
    expect(second.guarding).toBe(false);
    await first.release();
    expect(first.guarding).toBe(false);
    await waiting;
    expect(secondHeld).toBe(true);
    expect(log.lines.some((line) => line.msg === 'journal lock acquired after waiting')).toBe(true);
    await second.release();
    // A release is not a loss.
    expect(lost).toEqual([]);
  });

  it('a waiting lock gives up when told to stop', async () => {
    const path = journalLockPath(dir, 'p');
    const first = new JournalFileLock(path, memoryLogger().logger);
    await first.acquire(
      () => false,
      () => undefined,
    );
    let stop = false;
    const second = new JournalFileLock(path, memoryLogger().logger, { retryEveryMs: 20 });
    const waiting = second.acquire(
      () => stop,
      () => undefined,
    );
    await sleep(100);
    stop = true;
    expect(await waiting).toBe(false);
    expect(second.held).toBe(false);
    await first.release();
  });

  it('a holder stopped (SIGSTOP) still holds it; killed while stopped, it frees it', async () => {
    const path = journalLockPath(dir, 'p');
    const child = await holder(path);
    children.push(child);
    child.kill('SIGSTOP');
    const log = memoryLogger();
    const successor = new JournalFileLock(path, log.logger, { retryEveryMs: 20 });
    let held = false;
    const waiting = successor
      .acquire(
        () => false,
        () => undefined,
      )
      .then((value) => {
        held = value;
      });
    // Well past any lease a test would use: the kernel's lock does not expire.
    await sleep(1500);
    expect(held).toBe(false);
    child.kill('SIGKILL');
    await exited(child);
    await waiting;
    expect(held).toBe(true);
    await successor.release();
  });

  it('a holder that exits (even by SIGKILL) frees it at once', async () => {
    const path = journalLockPath(dir, 'p');
    const child = await holder(path);
    children.push(child);
    child.kill('SIGKILL');
    await exited(child);
    // The journal lock has no lease: taking it at all means the kernel let it go when the
    // holder died (the flock child ends with its pipe, a few ms later at most).
    const successor = new JournalFileLock(path, memoryLogger().logger, { retryEveryMs: 20 });
    expect(
      await successor.acquire(
        () => false,
        () => undefined,
      ),
    ).toBe(true);
    await successor.release();
  });

  it('the flock process killed from outside: the holder is told it lost the lock', async () => {
    const { lock, lost, pids } = await heldLock(dir);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    await waitFor(() => lost.length > 0, 10_000, 'the loss to be told');
    expect(lost[0]).toMatch(/flock process ended/);
    expect(lock.held).toBe(false);
    expect(lock.guarding).toBe(false);
  });

  it('the flock process ignores the stop signals a process group or container gets', async () => {
    const { path, lock, lost, pids } = await heldLock(dir);
    // As Ctrl-C in a terminal, `docker stop` or systemd would send them to every process.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const)
      for (const pid of pids) process.kill(pid, signal);
    await sleep(300);
    expect(lost).toEqual([]);
    expect(lock.held).toBe(true);
    const other = new JournalFileLock(path, memoryLogger().logger, { retryEveryMs: 20 });
    let stop = false;
    const waiting = other.acquire(
      () => stop,
      () => undefined,
    );
    await sleep(200);
    stop = true;
    expect(await waiting).toBe(false);
    await lock.release();
    expect(lost).toEqual([]);
  });

  it('a lock file flock cannot open stops the start, naming the file and why', async () => {
    const path = journalLockPath(dir, 'p');
    // A dangling link: the folder exists, the lock file cannot be opened.
    symlinkSync(join(dir, 'gone', 'x'), path);
    const lock = new JournalFileLock(path, memoryLogger().logger);
    await expect(
      lock.acquire(
        () => false,
        () => undefined,
      ),
    ).rejects.toThrow(
      `cannot lock the journal at ${path}: flock exited 66: flock: cannot open lock file`,
    );
    expect(lock.held).toBe(false);
  });

  it('without a flock command it says so and goes on with the lease alone', async () => {
    const path = journalLockPath(dir, 'p');
    const log = memoryLogger();
    const lock = new JournalFileLock(path, log.logger);
    const savedPath = process.env.PATH;
    process.env.PATH = dir;
    try {
      expect(
        await lock.acquire(
          () => false,
          () => undefined,
        ),
      ).toBe(true);
    } finally {
      process.env.PATH = savedPath;
    }
    expect(lock.held).toBe(false);
    // The lease alone guards the journal: the manager counts as holding its lock.
    expect(lock.guarding).toBe(true);
    const warning = log.lines.find((line) =>
      String(line.msg).startsWith('journal lock unavailable'),
    );
    expect(warning?.reason).toMatch(/flock command is not installed/);
  });
});
