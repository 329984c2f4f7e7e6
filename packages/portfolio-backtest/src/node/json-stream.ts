// Writes a large JSON value to a file in chunks, so a long curve never becomes one string.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const FLUSH_CHARS = 1 << 20;

/** A text sink that flushes to a file stream every ~1 MiB and waits for drain. */
export class ChunkedFileWriter {
  readonly #stream: ReturnType<typeof createWriteStream>;
  #buffer = '';
  #bytes = 0;

  constructor(path: string) {
    this.#stream = createWriteStream(path, { flags: 'w' });
  }

  /** Appends text; resolves at once unless a flush had to wait for the file. */
  write(text: string): Promise<void> | undefined {
    this.#buffer += text;
    if (this.#buffer.length < FLUSH_CHARS) return undefined;
    return this.flush();
  }

  async flush(): Promise<void> {
    const chunk = this.#buffer;
    this.#buffer = '';
    this.#bytes += Buffer.byteLength(chunk);
    if (!this.#stream.write(chunk)) await once(this.#stream, 'drain');
  }

  /** Writes what is left and closes the file; resolves to the bytes written. */
  async close(): Promise<number> {
    const chunk = this.#buffer;
    this.#buffer = '';
    this.#bytes += Buffer.byteLength(chunk);
    this.#stream.end(chunk);
    await once(this.#stream, 'finish');
    return this.#bytes;
  }

  /** Closes the file without caring about the rest (after an error). */
  destroy(): void {
    this.#stream.destroy();
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
