// Tapes on the real Redis: record keeps entries, ids and arrival times in id order across
// both streams; play writes them into another prefix in that order, paced by --speed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { addEntries, connectTestRedis, deleteKeys, uniquePrefix } from '../test-support.js';
import {
  encodeTapeEntry,
  MAX_TAPE_LINE_BYTES,
  idTimeMs,
  playTape,
  readTape,
  recordStreams,
  tapeHeaderLine,
  type TapeEntry,
} from './tape.js';

const redis = connectTestRedis();
const source = uniquePrefix('ops-tape-src');
const target = uniquePrefix('ops-tape-dst');
const dir = mkdtempSync(join(tmpdir(), 'njord-ops-tape-'));

afterAll(async () => {
  await deleteKeys(redis, source);
  await deleteKeys(redis, target);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('njord-tape', () => {
  it('records both streams in arrival order and plays them into another prefix', async () => {
    const written: { key: string; id: string; data: string }[] = [];
    // Interleaved writes, a millisecond apart: entries of two streams in the same millisecond
    // have independent sequence numbers, so their ids cannot order them.
    for (let i = 0; i < 30; i++) {
      if (i % 3 === 0 || i % 3 === 1) await new Promise((resolve) => setTimeout(resolve, 2));
      const key = i % 3 === 0 ? 'prices' : 'fills';
      const data = JSON.stringify({ n: i, key });
      const [id] = await addEntries(redis, `${source}:${key}`, [data]);
      written.push({ key, id: id as string, data });
    }
    const recorded = await collect(recordStreams(redis, { prefix: source, chunk: 4 }));
    expect(recorded.map((e) => [e.key, e.id, e.data])).toEqual(
      written.map((e) => [e.key, e.id, e.data]),
    );
    for (const entry of recorded) expect(entry.at_ms).toBe(Number(entry.id.split('-')[0]));

    const file = join(dir, 'day.ndjson');
    writeFileSync(
      file,
      [tapeHeaderLine(`redis:${source}`, 0), ...recorded.map(encodeTapeEntry), ''].join('\n'),
    );
    const count = await playTape(redis, readTape(file), {
      prefix: target,
      speed: 'max',
      nowMs: () => Date.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
    expect(count).toBe(30);
    // Played at full speed, many entries share a millisecond: compare each stream's order.
    for (const key of ['fills', 'prices']) {
      const replayed = await collect(recordStreams(redis, { prefix: target, keys: [key] }));
      expect(replayed.map((e) => e.data)).toEqual(
        written.filter((e) => e.key === key).map((e) => e.data),
      );
    }
  });

  it('paces entries by their arrival times divided by the speed', async () => {
    const entries: TapeEntry[] = [0, 100, 100, 1000, 4000].map((at, i) => ({
      key: 'prices',
      id: `${at}-${i}`,
      at_ms: 10_000 + at,
      data: '{}',
    }));
    let clock = 0;
    const sleeps: number[] = [];
    async function* source() {
      for (const entry of entries) yield await Promise.resolve(entry);
    }
    await playTape(redis, source(), {
      prefix: `${target}-paced`,
      speed: 10,
      nowMs: () => clock,
      sleep: (ms) => {
        sleeps.push(ms);
        clock += ms;
        return Promise.resolve();
      },
    });
    await deleteKeys(redis, `${target}-paced`);
    // At speed 10 the entries are due at 0, 10, 10, 100 and 400 ms: waits of 10, 90 and 300.
    expect(sleeps).toEqual([10, 90, 300]);
    expect(idTimeMs('1700000000123-4')).toBe(1_700_000_000_123);
  });

  it('names the file and line of a damaged tape', async () => {
    const file = join(dir, 'bad.ndjson');
    writeFileSync(
      file,
      `${tapeHeaderLine('x', 0)}\n${encodeTapeEntry({ key: 'fills', id: '1-0', at_ms: 1, data: '{}' })}\n{"key":"fills","id":"nope","at_ms":1,"data":"{}"}\n`,
    );
    await expect(collect(readTape(file))).rejects.toThrow(
      `${file}:3: id must be a stream entry id`,
    );
    writeFileSync(file, '{"hello":1}\n');
    await expect(collect(readTape(file))).rejects.toThrow(/not a tape/);
    expect(readFileSync(file, 'utf8')).toContain('hello');
  });

  it('record: a file it cannot write is named, exit 2 (no stack)', () => {
    const tapeJs = fileURLToPath(new URL('../../dist/tape.js', import.meta.url));
    const run = spawnSync(process.execPath, [tapeJs, 'record', '/proc/njord-no-such/t.ndjson'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({
      status: 2,
      stderr: '/proc/njord-no-such/t.ndjson: cannot write the tape (ENOENT)\n',
    });
  });

  it('refuses what is not a tape file at once: a device, a folder, a line that never ends', async () => {
    await expect(collect(readTape('/dev/zero'))).rejects.toThrow(
      '/dev/zero: not a regular file (a tape is an NDJSON file)',
    );
    await expect(collect(readTape(dir))).rejects.toThrow(`${dir}: not a regular file`);
    await expect(collect(readTape(join(dir, 'none.ndjson')))).rejects.toThrow(
      `${join(dir, 'none.ndjson')}: cannot read the tape (ENOENT)`,
    );
    // A header, then more bytes than a line may hold without an end of line.
    const endless = join(dir, 'endless.ndjson');
    writeFileSync(endless, `${tapeHeaderLine('x', 0)}\n${'x'.repeat(MAX_TAPE_LINE_BYTES + 1)}`);
    await expect(collect(readTape(endless))).rejects.toThrow(
      `${endless}:2: a line longer than ${MAX_TAPE_LINE_BYTES} bytes (not a tape)`,
    );
    // CRLF lines and a last line without its newline still read.
    const crlf = join(dir, 'crlf.ndjson');
    const entry = { key: 'fills', id: '1-0', at_ms: 1, data: '{}' } as const;
    writeFileSync(crlf, `${tapeHeaderLine('x', 0)}\r\n${encodeTapeEntry(entry)}`);
    expect(await collect(readTape(crlf))).toEqual([entry]);
  });
});
