// The `@njord/test-kit/node` entry: the repository's shipped files and fixture files on disk.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder (this package sits in packages/test-kit). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** A path in the repository: `repoPath('data/spx-daily.csv')`. */
export function repoPath(relative: string): string {
  return join(REPO_ROOT, relative);
}

/**
 * Writes a sweep grid file `<dir>/<id>.yaml` naming `portfolio` and `data` (paths relative to
 * `dir`) and returns its path; `body` holds the rest of the `sweep:` keys, indented by two.
 */
export function writeSweepGrid(
  dir: string,
  grid: {
    readonly id: string;
    readonly portfolio?: string;
    readonly data: string;
    readonly body: string;
  },
): string {
  const path = join(dir, `${grid.id}.yaml`);
  writeFileSync(
    path,
    `sweep:\n  id: ${grid.id}\n  portfolio: ${grid.portfolio ?? 'portfolio.yaml'}\n  data: ${grid.data}\n${grid.body}`,
  );
  return path;
}
