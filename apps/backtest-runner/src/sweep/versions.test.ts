// The guard against a stale engine: stored runs are keyed by a digest of the engine's built
// code, and a BullMQ worker refuses a job whose coordinator runs other code.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxedJob } from 'bullmq';
import { runHash } from '@njord/portfolio-sweep';
import { afterAll, describe, expect, it } from 'vitest';
import type { SweepJob } from './job.js';
import processSweepJob from './processor.js';
import {
  buildFingerprint,
  engineVersion,
  fingerprintOf,
  packageDirs,
  packageVersions,
} from './versions.js';

const root = mkdtempSync(join(tmpdir(), 'njord-versions-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Two fake built packages: a/index.js, a/chunk.js, a/README.md and b/sub/x.js. */
function fakeBuild(name: string): Map<string, string | null> {
  const a = join(root, name, 'a');
  const b = join(root, name, 'b');
  mkdirSync(join(b, 'sub'), { recursive: true });
  mkdirSync(a, { recursive: true });
  writeFileSync(join(a, 'index.js'), 'export const x = 1;\n');
  writeFileSync(join(a, 'chunk.js'), 'export const y = 2;\n');
  writeFileSync(join(a, 'README.md'), 'docs\n');
  writeFileSync(join(b, 'sub', 'x.js'), 'export default 3;\n');
  return new Map([
    ['@njord/a', a],
    ['@njord/b', b],
  ]);
}

describe('fingerprintOf', () => {
  it("is the sha256 of each package's .js files, names and bytes in sorted order", () => {
    const dirs = fakeBuild('plain');
    // By hand: a's chunk.js sorts before index.js; README.md is not code; b's file is under sub/.
    const expected = createHash('sha256')
      .update('@njord/a/chunk.js\0')
      .update('export const y = 2;\n')
      .update('@njord/a/index.js\0')
      .update('export const x = 1;\n')
      .update(`@njord/b/${join('sub', 'x.js')}\0`)
      .update('export default 3;\n')
      .digest('hex')
      .slice(0, 16);
    expect(fingerprintOf(dirs)).toBe(expected);
  });

  it('changes when a built file changes, appears or a package is missing; not for other files', () => {
    const dirs = fakeBuild('changes');
    const a = dirs.get('@njord/a') as string;
    const before = fingerprintOf(dirs);
    writeFileSync(join(a, 'README.md'), 'other docs\n');
    expect(fingerprintOf(dirs)).toBe(before);
    writeFileSync(join(a, 'chunk.js'), 'export const y = 3;\n');
    const rebuilt = fingerprintOf(dirs);
    expect(rebuilt).not.toBe(before);
    writeFileSync(join(a, 'extra.js'), '');
    const added = fingerprintOf(dirs);
    expect(added).not.toBe(rebuilt);
    const missing = new Map(dirs);
    missing.set('@njord/b', null);
    expect(fingerprintOf(missing)).not.toBe(added);
  });

  it('is what the runner puts in its engine version, over every engine package it resolves', () => {
    const dirs = packageDirs();
    expect([...dirs.keys()]).toContain('@njord/portfolio-backtest');
    expect([...dirs.values()].every((dir) => dir !== null)).toBe(true);
    expect(buildFingerprint()).toBe(fingerprintOf(dirs));
    expect(engineVersion({})).toContain(`build ${buildFingerprint()}`);
  });

  it('keys stored runs by the engine build: a rebuilt engine never reuses a stored run', () => {
    const key = {
      portfolio: { id: 'p', total_capital: 1 },
      dataSha256: '0'.repeat(64),
    };
    const one = runHash({ ...key, engineVersion: engineVersion({}) });
    const other = runHash({ ...key, engineVersion: `${engineVersion({})}x` });
    expect(one).not.toBe(other);
  });
});

describe('a BullMQ worker with another engine build', () => {
  it('refuses the job, naming both builds, before it runs or stores anything', async () => {
    const data: SweepJob = {
      hash: 'h'.repeat(64),
      portfolio: {},
      dataSha256: '0'.repeat(64),
      dataPath: '/nonexistent.csv',
      engineVersion: 'an older build',
    };
    // No Redis settings in this process: a job past the guard would fail on those instead.
    delete process.env.NJORD_SWEEP_REDIS_URL;
    const error = await processSweepJob({ data } as SandboxedJob<SweepJob>).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe(
      `this worker runs ${engineVersion(packageVersions())}, the sweep wants an older build`,
    );
  });
});
