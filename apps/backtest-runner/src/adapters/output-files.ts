// Output directories checked before a run, and files written under a temporary name and
// renamed into place only when the run succeeded, so no partial file ever has a final name.
import {
  closeSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { makeDirectory } from '@njord/portfolio-contracts/node';

/** A bad `--out` / `--journal-dir`: the runner exits 2. */
export class OutputDirError extends Error {
  readonly _tag = 'OutputDirError' as const;
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

function isDirectory(path: string): boolean | null {
  try {
    return statSync(path).isDirectory();
  } catch (error) {
    if (codeOf(error) === 'ENOENT' || codeOf(error) === 'ENOTDIR') return null;
    throw error;
  }
}

/**
 * Makes sure `path` is a directory this process can create files in, creating it (and
 * missing parents) when needed (`makeDirectory`: `mkdirSync(p, {recursive: true})` never
 * returns for some paths under /proc).
 */
export function prepareOutputDir(flag: string, path: string): string {
  if (path.trim() === '') throw new OutputDirError(`${flag} is empty (pass a directory)`);
  const full = resolve(path);
  try {
    // A file on the way is named (mkdir would only say EEXIST or ENOTDIR).
    for (let at = full; ;) {
      const dir = isDirectory(at);
      if (dir === true) break;
      if (dir === false) {
        throw new OutputDirError(
          at === full
            ? `${flag} ${path}: is a file, not a directory`
            : `${flag} ${path}: ${at} is a file, not a directory`,
        );
      }
      const parent = dirname(at);
      if (parent === at) break;
      at = parent;
    }
    makeDirectory(full);
  } catch (error) {
    if (error instanceof OutputDirError) throw error;
    throw new OutputDirError(`${flag} ${path}: cannot create the directory (${codeOf(error)})`);
  }
  const probe = join(full, `.njord-probe-${process.pid}`);
  try {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (error) {
    throw new OutputDirError(`${flag} ${path}: cannot write files there (${codeOf(error)})`);
  }
  return full;
}

const TEMP_MARK = '.tmp-';

/** The temporary name of `finalPath` for this process: hidden, in the same directory. */
export function tempPathOf(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}${TEMP_MARK}${process.pid}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return codeOf(error) === 'EPERM';
  }
}

/**
 * The files of one run. Each is written to its temporary name; `commit` renames them all
 * into place; `abandon` (also on SIGINT/SIGTERM) deletes them, leaving the previous
 * outputs as they were.
 */
export class OutputSet {
  readonly #temps = new Map<string, string>();
  readonly #scratch = new Set<string>();
  #committed = false;

  /** Registers a final path and returns the temporary path to write it at. */
  add(finalPath: string): string {
    const temp = tempPathOf(finalPath);
    this.#temps.set(finalPath, temp);
    removeStaleTemps(finalPath);
    return temp;
  }

  /** Whether `finalPath` is one of this run's files. */
  has(finalPath: string): boolean {
    return this.#temps.has(finalPath);
  }

  /**
   * A scratch file of this run, named like the temporary file of `finalPath` (which is never
   * written): deleted by `commit` and by `abandon`, left by nothing.
   */
  scratch(finalPath: string): string {
    const temp = tempPathOf(finalPath);
    this.#scratch.add(temp);
    removeStaleTemps(finalPath);
    return temp;
  }

  /** Renames every temporary file to its final name, then removes `obsolete` files. */
  commit(obsolete: readonly string[] = []): void {
    for (const [finalPath, temp] of this.#temps) renameSync(temp, finalPath);
    this.#committed = true;
    for (const path of obsolete) rmSync(path, { force: true });
    this.#removeScratch();
  }

  /** Deletes the temporary files (synchronously: safe in a signal handler). */
  abandon(): void {
    this.#removeScratch();
    if (this.#committed) return;
    for (const temp of this.#temps.values()) rmSync(temp, { force: true });
  }

  #removeScratch(): void {
    for (const temp of this.#scratch) rmSync(temp, { force: true });
    this.#scratch.clear();
  }
}

/** Removes temporary files of `finalPath` left by runs that died (their process is gone). */
function removeStaleTemps(finalPath: string): void {
  const prefix = `.${basename(finalPath)}${TEMP_MARK}`;
  let names: string[];
  try {
    names = readdirSync(dirname(finalPath));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (Number.isInteger(pid) && pid !== process.pid && !isAlive(pid)) {
      rmSync(join(dirname(finalPath), name), { force: true });
    }
  }
}
