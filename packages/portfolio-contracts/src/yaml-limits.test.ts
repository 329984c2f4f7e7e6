import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isContractError } from './errors.js';
import { readConfigText } from './node/index.js';
import { parseYamlText } from './yaml.js';
import { valueDepth, YAML_MAX_CHARS, YAML_MAX_DEPTH } from './yaml-limits.js';

const work = mkdtempSync(join(tmpdir(), 'njord-yaml-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function issueOf(text: string): string {
  const result = parseYamlText(text, 'p.yaml');
  if (result.success) throw new Error('expected a failure');
  expect(result.error.code).toBe('yaml_syntax');
  return result.error.message;
}

describe('YAML limits', () => {
  it('stops an alias bomb (9^6 expansions) with a short message', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [name, prev] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
      ['f', 'e'],
      ['g', 'f'],
    ])
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    const message = issueOf(lines.join('\n'));
    expect(message).toBe(
      'p.yaml: more than 100 alias expansions (an alias bomb?): expand the aliases by hand',
    );
  });

  it('stops 100,000 levels of flow nesting before parsing, naming line and column', () => {
    const text = `portfolio: ${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const started = performance.now();
    // The 65th "[" is column 11 + 65 = 76.
    expect(issueOf(text)).toBe(
      `p.yaml:1:76: collections nested deeper than ${YAML_MAX_DEPTH} levels`,
    );
    // A scan, not the parser's recursion (which takes seconds at this depth).
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('stops deep block nesting by its indentation', () => {
    const text = Array.from({ length: 200 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n');
    // Line i + 1 is indented 2i columns: line 129 (256) is allowed, line 130 (258) is not.
    expect(issueOf(text)).toMatch(/^p\.yaml:130:257: indented more than 256 columns/);
  });

  it('ignores brackets inside quotes and comments, and accepts nesting up to the limit', () => {
    const ok = parseYamlText(
      `a: "[[[[${'['.repeat(100)}"\nb: '${'{'.repeat(100)}' # ${'['.repeat(100)}\nc: ${'['.repeat(YAML_MAX_DEPTH - 1)}1${']'.repeat(YAML_MAX_DEPTH - 1)}\n`,
    );
    expect(ok.success).toBe(true);
    if (ok.success) expect(valueDepth(ok.data)).toBe(YAML_MAX_DEPTH);
  });

  it('refuses NUL characters and text over the size limit', () => {
    expect(issueOf('a: 1\nb: \u0000\u0000')).toBe(
      'p.yaml:2:4: not a text file: a NUL character (expected YAML text)',
    );
    expect(issueOf(`a: "${'x'.repeat(YAML_MAX_CHARS)}"`)).toContain('more than the limit');
  });

  it('reads only regular files, at most the size limit', async () => {
    const fifo = join(work, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    const cases: [string, string][] = [
      [work, `${work}: is a directory (expected a YAML file)`],
      [fifo, `${fifo}: is not a regular file (expected a YAML file)`],
      ['/dev/zero', '/dev/zero: is not a regular file (expected a YAML file)'],
      [join(work, 'missing.yaml'), `${join(work, 'missing.yaml')}: cannot read the file (ENOENT)`],
    ];
    const big = join(work, 'big.yaml');
    // "# ", the x's and a newline: YAML_MAX_CHARS + 3 bytes.
    writeFileSync(big, `# ${'x'.repeat(YAML_MAX_CHARS)}\n`);
    cases.push([
      big,
      `${big}: is ${YAML_MAX_CHARS + 3} bytes, more than the limit of ${YAML_MAX_CHARS} for a YAML file`,
    ]);
    for (const [path, message] of cases) {
      const error = await readConfigText(path).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isContractError(error)).toBe(true);
      expect((error as Error).message).toBe(message);
    }
  });
});
