// Writes a large JSON value to a file in chunks, so a long curve never becomes one string.
import { type FileHandle, open } from 'node:fs/promises';

/**
 * Bytes of the one buffer texts are encoded into. Writers hand over texts of at most
 * `TEXT_CHUNK_CHARS`: V8 keeps a string over about 128 kB in its large-object space until a
 * full collection, and a run's worth of them raised the result writer's peak RSS by 57 MB.
 */
const BUFFER_BYTES = 1 << 20;
/** Longest text a writer should build before handing it to `write` (UTF-16 units). */
export const TEXT_CHUNK_CHARS = 1 << 15;

/**
 * A text sink on a file: texts are encoded as UTF-8 into one reused 1 MiB buffer, which is
 * written to the file when full (nothing else is allocated per chunk).
 */
export class ChunkedFileWriter {
  readonly #path: string;
  #handle: Promise<FileHandle>;
  readonly #buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  #length = 0;
  #bytes = 0;

  constructor(path: string) {
    this.#path = path;
    this.#handle = open(path, 'w');
    // Seen by the first write or close; never an unhandled rejection meanwhile.
    this.#handle.catch(() => undefined);
  }

  /** Appends text; resolves at once unless the buffer had to be written to the file. */
  write(text: string): Promise<void> | undefined {
    // A UTF-16 unit is at most 3 UTF-8 bytes.
    if (this.#length + text.length * 3 <= BUFFER_BYTES) {
      this.#length += this.#buffer.write(text, this.#length, 'utf8');
      return undefined;
    }
    return this.#writeLarge(text);
  }

  async #writeLarge(text: string): Promise<void> {
    await this.flush();
    if (text.length * 3 <= BUFFER_BYTES) {
      this.#length = this.#buffer.write(text, 0, 'utf8');
      return;
    }
    await this.#writeAll(Buffer.from(text, 'utf8'));
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    const handle = await this.#handle;
    for (let at = 0; at < bytes.length;) {
      const { bytesWritten } = await handle.write(bytes, at, bytes.length - at);
      at += bytesWritten;
    }
    this.#bytes += bytes.length;
  }

  /** Writes the buffered bytes to the file. */
  async flush(): Promise<void> {
    const length = this.#length;
    this.#length = 0;
    if (length > 0) await this.#writeAll(this.#buffer.subarray(0, length));
  }

  /** Writes what is left and closes the file; resolves to the bytes written. */
  async close(): Promise<number> {
    await this.flush();
    await (await this.#handle).close();
    return this.#bytes;
  }

  /** Closes the file without caring about the rest (after an error). */
  destroy(): void {
    this.#length = 0;
    this.#handle
      .then(
        (handle) => handle.close(),
        () => undefined,
      )
      .catch(() => undefined);
  }

  get path(): string {
    return this.#path;
  }
}

/**
 * Streams `value` as JSON (the text `JSON.stringify(value)` gives, plus a final newline):
 * arrays and objects down to `depth` are walked, deeper values go through JSON.stringify.
 */
export async function writeJsonFile(path: string, value: unknown, depth = 2): Promise<number> {
  const out = new ChunkedFileWriter(path);
  async function walk(node: unknown, level: number): Promise<void> {
    if (level >= depth || node === null || typeof node !== 'object') {
      await out.write(JSON.stringify(node) ?? 'null');
      return;
    }
    if (Array.isArray(node)) {
      await out.write('[');
      for (let i = 0; i < node.length; i++) {
        if (i > 0) await out.write(',');
        await walk(node[i], level + 1);
      }
      await out.write(']');
      return;
    }
    await out.write('{');
    let first = true;
    for (const [key, child] of Object.entries(node)) {
      if (child === undefined) continue;
      await out.write(`${first ? '' : ','}${JSON.stringify(key)}:`);
      first = false;
      await walk(child, level + 1);
    }
    await out.write('}');
  }
  try {
    await walk(value, 0);
    await out.write('\n');
  } catch (error) {
    out.destroy();
    throw error;
  }
  return out.close();
}
