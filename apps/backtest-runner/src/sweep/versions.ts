// The package versions a sweep records and puts in every run's hash (the "engine version").
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const PACKAGES = [
  '@njord/portfolio-contracts',
  '@njord/portfolio-allocator',
  '@njord/portfolio-sizer',
  '@njord/portfolio-rebalancer',
  '@njord/portfolio-tracker',
  '@njord/portfolio-risk',
  '@njord/portfolio-backtest',
  '@njord/portfolio-sweep',
] as const;

/** Versions of the packages a run depends on, read from their package.json. */
export function packageVersions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const out: Record<string, string> = {};
  for (const name of PACKAGES) {
    try {
      out[name] = (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      // A package without ./package.json in its exports is left out.
    }
  }
  return out;
}

/** Each engine package's built directory (where its entry resolves), or null when it does not resolve. */
export function packageDirs(): Map<string, string | null> {
  const require = createRequire(import.meta.url);
  const dirs = new Map<string, string | null>();
  for (const name of PACKAGES) {
    try {
      dirs.set(name, dirname(require.resolve(name)));
    } catch {
      dirs.set(name, null);
    }
  }
  return dirs;
}

/**
 * A digest of the `.js` files under each directory (names and bytes, in sorted order); a
 * package without a directory counts as missing, so its absence changes the digest too.
 */
export function fingerprintOf(dirs: ReadonlyMap<string, string | null>): string {
  const hash = createHash('sha256');
  for (const [name, dir] of dirs) {
    if (dir === null) {
      hash.update(`${name}\0missing\0`);
      continue;
    }
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.js'))
      .sort();
    for (const file of files)
      hash.update(`${name}/${file}\0`).update(readFileSync(join(dir, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * A digest of the packages' built JavaScript: unreleased code keeps its version number, and a
 * stored run must not outlive the code that made it.
 */
export function buildFingerprint(): string {
  return fingerprintOf(packageDirs());
}

/** What the stored results depend on besides the config, the data and the range. */
export function engineVersion(versions: Readonly<Record<string, string>>): string {
  return `${PACKAGES.map((name) => `${name}@${versions[name] ?? '?'}`).join(' ')} build ${buildFingerprint()}`;
}
