// Writes a large JSON value to a file in chunks, so a million-point curve never becomes one string.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const FLUSH_BYTES = 1 << 20;

/**
 * Streams `value` as JSON: arrays and objects are walked, leaves go through JSON.stringify.
 * `onProgress(done, total)` counts the elements of the top level's arrays as they go out.
 */
export async function writeJsonFile(
  path: string,
  value: unknown,
  onProgress?: (done: number, total: number) => void,
): Promise<number> {
  const stream = createWriteStream(path, { flags: 'w' });
  let failure: Error | null = null;
  stream.on('error', (error: Error) => {
    failure = error;
  });
  let total = 0;
  let done = 0;
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) if (Array.isArray(child)) total += child.length;
  }
  let buffer = '';
  let bytes = 0;

  async function push(text: string): Promise<void> {
    if (failure !== null) throw failure;
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
        if (depth === 1 && ++done % 1024 === 0) onProgress?.(done, total);
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
  onProgress?.(total, total);
  return bytes;
}
