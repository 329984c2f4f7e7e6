// Reading files line by line in chunks, with the place of each line (file, number, offset).
import { closeSync, openSync, readSync } from 'node:fs';

/** A line of `path` (1-based `line`) ran past the limit before its end. */
export class LineTooLongError extends Error {
  readonly _tag = 'LineTooLongError' as const;

  constructor(
    readonly path: string,
    readonly line: number,
  ) {
    super(`${path}:${line}: a line too long`);
  }
}

/**
 * The lines of `paths` in order, read in chunks (a journal may pass V8's longest string):
 * each with its file, its 1-based number in that file, its place in all of them (`index`)
 * and its byte offset in its file. A line growing past `maxLineBytes` before its end throws
 * LineTooLongError (a file with no end of line must not fill memory).
 */
export function* fileLines(
  paths: readonly string[],
  chunkBytes = 1 << 20,
  maxLineBytes = Infinity,
): Generator<{
  path: string;
  number: number;
  index: number;
  offset: number;
  text: string;
  complete: boolean;
}> {
  let index = 0;
  for (const path of paths) {
    const fd = openSync(path, 'r');
    try {
      const chunk = Buffer.allocUnsafe(chunkBytes);
      let pending: Buffer[] = [];
      let number = 0;
      /** Bytes read before the current chunk, and where the pending line starts. */
      let base = 0;
      let offset = 0;
      for (;;) {
        const read = readSync(fd, chunk, 0, chunkBytes, null);
        if (read === 0) break;
        let from = 0;
        for (
          let at = chunk.indexOf(0x0a, 0);
          at >= 0 && at < read;
          at = chunk.indexOf(0x0a, from)
        ) {
          pending.push(chunk.subarray(from, at));
          number++;
          index++;
          const text = Buffer.concat(pending).toString('utf8');
          yield { path, number, index, offset, text, complete: true };
          pending = [];
          from = at + 1;
          offset = base + from;
        }
        if (from < read) {
          pending.push(Buffer.from(chunk.subarray(from, read)));
          if (base + read - offset > maxLineBytes) throw new LineTooLongError(path, number + 1);
        }
        base += read;
      }
      if (pending.length > 0) {
        index++;
        const text = Buffer.concat(pending).toString('utf8');
        yield { path, number: number + 1, index, offset, text, complete: false };
      }
    } finally {
      closeSync(fd);
    }
  }
}
