import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ChunkedFileWriter } from './json-stream.js';

const dir = mkdtempSync(join(tmpdir(), 'njord-json-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ChunkedFileWriter', () => {
  it('writes exactly the concatenated texts, as UTF-8, across buffer boundaries', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        // Texts from empty to past the 1 MiB buffer (one 3-byte character repeated), with
        // astral characters (4 bytes, two UTF-16 units) among them.
        fc.array(
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 40 }),
            fc.nat({ max: 400_000 }).map((n) => '€'.repeat(n)),
          ),
          { maxLength: 12 },
        ),
        async (texts) => {
          const path = join(dir, `out-${run++}.json`);
          const out = new ChunkedFileWriter(path);
          for (const text of texts) await out.write(text);
          const bytes = await out.close();
          const expected = Buffer.from(texts.join(''), 'utf8');
          expect(bytes).toBe(expected.length);
          expect(readFileSync(path).equals(expected)).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('reports a path it cannot open at the first write or close', async () => {
    const out = new ChunkedFileWriter(join(dir, 'missing', 'x.json'));
    void out.write('{}');
    await expect(out.close()).rejects.toThrow(/ENOENT/);
  });
});
