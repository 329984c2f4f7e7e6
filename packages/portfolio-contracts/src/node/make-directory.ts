// Creating a directory and its missing parents, without Node's recursive mkdir: that one never
// returns (a busy loop, deaf to signals) for a path where mkdir fails with ENOENT although the
// parent exists, as everywhere under /proc and /sys.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** 'dir', 'other' (a file), or 'missing'; any other error (EACCES, ELOOP, ...) is thrown. */
function kindOf(path: string): 'dir' | 'other' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
}

/**
 * `mkdirSync(path, {recursive: true})`, one directory at a time from the first existing
 * parent: throws mkdir's own error (ENOENT, EACCES, EROFS, EEXIST for a file in the way, ...)
 * instead of looping forever where the recursive form does.
 */
export function makeDirectory(path: string): void {
  const missing: string[] = [];
  for (let at = resolve(path); ;) {
    const kind = kindOf(at);
    if (kind === 'dir') break;
    // A file in the way: mkdir's own EEXIST names it.
    if (kind === 'other') mkdirSync(at);
    missing.push(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (let i = missing.length - 1; i >= 0; i--) {
    try {
      mkdirSync(missing[i] as string);
    } catch (error) {
      // Made meanwhile by another process: fine if it is a directory.
      if (
        (error as NodeJS.ErrnoException).code !== 'EEXIST' ||
        kindOf(missing[i] as string) !== 'dir'
      )
        throw error;
    }
  }
}
