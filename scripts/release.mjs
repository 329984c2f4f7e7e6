#!/usr/bin/env node
// The release: `changeset version` (bumps versions, writes each CHANGELOG.md, removes the
// consumed changesets), a clean install, build and the checks, then `changeset publish`
// (packs each package, which builds it again through `prepack`, and publishes the ones
// whose version is not on the registry yet). `--dry-run` stops before publishing and
// shows what would be published. Run it from a clean tree on main; commit and tag after.
import { execFileSync } from 'node:child_process';

const dryRun = process.argv.includes('--dry-run');
if (process.argv.includes('--help')) {
  console.log(
    'Usage: pnpm release [--dry-run]\nchangeset version, install, build, check, then changeset publish.',
  );
  process.exit(0);
}
const run = (cmd, args) => {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { stdio: 'inherit' });
};
const status = execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8' });
if (status.trim() !== '' && !dryRun) {
  console.error('release: the working tree is not clean; commit or stash first');
  process.exit(1);
}
run('pnpm', ['exec', 'changeset', 'version']);
run('pnpm', ['install']);
run('pnpm', ['build']);
run('pnpm', ['check:packages']);
run('node', ['scripts/consumer-check.mjs']);
if (dryRun) {
  run('pnpm', ['-r', '--filter', './packages/*', 'publish', '--dry-run', '--no-git-checks']);
  console.log('release: dry run done (versions bumped in the tree: git checkout . to undo)');
} else {
  run('pnpm', ['exec', 'changeset', 'publish']);
  console.log('release: published; commit the versions and changelogs, push the tags');
}
