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

/**
 * A digest of the packages' built JavaScript: unreleased code keeps its version number, and a
 * stored run must not outlive the code that made it.
 */
export function buildFingerprint(): string {
  const require = createRequire(import.meta.url);
  const hash = createHash('sha256');
  for (const name of PACKAGES) {
    let dir: string;
    try {
      dir = dirname(require.resolve(name));
    } catch {
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

/** What the stored results depend on besides the config, the data and the range. */
export function engineVersion(versions: Readonly<Record<string, string>>): string {
  return `${PACKAGES.map((name) => `${name}@${versions[name] ?? '?'}`).join(' ')} build ${buildFingerprint()}`;
}
