import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeDirectory } from './make-directory.js';

describe('makeDirectory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'njord-mkdir-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates missing parents, and is a no-op on an existing directory', () => {
    const deep = join(dir, 'a', 'b', 'c');
    makeDirectory(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    makeDirectory(deep);
    makeDirectory(`${join(dir, 'a')}/./b/../b`);
    expect(statSync(join(dir, 'a', 'b')).isDirectory()).toBe(true);
  });

  it('throws EEXIST for a file in the way, at any depth', () => {
    writeFileSync(join(dir, 'f'), 'x');
    expect(() => makeDirectory(join(dir, 'f'))).toThrow(/EEXIST/);
    expect(() => makeDirectory(join(dir, 'f', 'g'))).toThrow(/ENOTDIR|EEXIST/);
  });

  it.skipIf(process.platform !== 'linux')(
    'fails at once under /proc, where mkdirSync(recursive) never returns',
    () => {
      expect(() => makeDirectory('/proc/njord-no-such/dir')).toThrow(/ENOENT/);
    },
  );
});
