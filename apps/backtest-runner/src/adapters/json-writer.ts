// Writes a large JSON value to a file in chunks, so a million-point curve never becomes one string.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const FLUSH_BYTES = 1 << 20;

/** Streams `value` as JSON: arrays and objects are walked, leaves go through JSON.stringify. */
export async function writeJsonFile(path: string, value: unknown): Promise<number> {
  const stream = createWriteStream(path, { flags: 'w' });
  let buffer = '';
  let bytes = 0;

  async function push(text: string): Promise<void> {
    buffer += text;
    if (buffer.length >= FLUSH_BYTES) {
      bytes += Buffer.byteLength(buffer);
      if (!stream.write(buffer)) await once(stream, 'drain');
      buffer = '';
    }
  }

  async function walk(node: unknown, depth: number): Promise<void> {
    // Below depth 2 (result -> equity_curve -> point) stringify whole, which is fast.
    if (depth >= 2 || node === null || typeof node !== 'object') {
      await push(JSON.stringify(node) ?? 'null');
      return;
    }
    if (Array.isArray(node)) {
      await push('[');
      for (let i = 0; i < node.length; i++) {
        if (i > 0) await push(',');
        await walk(node[i], depth + 1);
      }
      await push(']');
      return;
    }
    await push('{');
    let first = true;
    for (const [key, child] of Object.entries(node)) {
      if (child === undefined) continue;
      await push(`${first ? '' : ','}${JSON.stringify(key)}:`);
      first = false;
      await walk(child, depth + 1);
    }
    await push('}');
  }

  await walk(value, 0);
  await push('\n');
  bytes += Buffer.byteLength(buffer);
  stream.end(buffer);
  await once(stream, 'finish');
  return bytes;
}
