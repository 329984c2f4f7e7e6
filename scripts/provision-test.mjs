#!/usr/bin/env node
// Makes sure this machine has what the test suite needs, before `pnpm test` runs it:
//   - Chromium for the report's browser tests (Debian's /usr/bin/chromium, or CHROMIUM_PATH);
//   - a Redis answering on 127.0.0.1:6379 for the live manager's integration tests;
//   - redis-server and openssl on PATH (the manager's restart and TLS tests start their own
//     server and make a throwaway certificate);
//   - Debian's python3-redis (the manager's test of a Python producer).
// Where it can (running as root with apt-get: a Debian or Ubuntu machine or container) it
// installs what is missing (one `apt-get update`, then `apt-get install`) and starts Redis
// when none answers. Otherwise it stops at once with ONE line saying what to install.
// `--check` only reports (exit 1 when something is missing) and never installs or starts.
// NJORD_PROVISION_NO_INSTALL=1 forbids installing (used by scripts/fresh-machine-test.sh).
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';

const REDIS_HOST = '127.0.0.1';
// NJORD_PROVISION_REDIS_PORT exists for scripts/fresh-machine-test.sh only (the tests use 6379).
const REDIS_PORT = Number(process.env.NJORD_PROVISION_REDIS_PORT ?? 6379);
const checkOnly = process.argv.includes('--check');
const mayInstall =
  !checkOnly &&
  process.env.NJORD_PROVISION_NO_INSTALL !== '1' &&
  typeof process.getuid === 'function' &&
  process.getuid() === 0 &&
  onPath('apt-get') !== null;

if (process.argv.includes('--help')) {
  console.log(
    'Usage: node scripts/provision-test.mjs [--check]\n' +
      'Installs (as root, with apt-get) or names what the tests need: chromium, redis-server,\n' +
      'openssl, python3-redis, and a Redis answering on 127.0.0.1:6379 (started when none answers).',
  );
  process.exit(0);
}

/** The absolute path of `name` on PATH, or null. */
function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** True when a Redis answers PING on host:port within `ms`. */
function redisAnswers(ms = 1500) {
  return new Promise((resolve) => {
    const socket = connect({ host: REDIS_HOST, port: REDIS_PORT });
    let reply = '';
    const done = (ok) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), ms);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
  });
}

let aptUpdated = false;
function aptInstall(packages) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => {
    const result = spawnSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (result.status !== 0) {
      fail(`apt-get ${args.join(' ')} failed; install ${packages.join(' ')} by hand`);
    }
  };
  if (!aptUpdated) {
    console.error('provision: apt-get update');
    run(['update', '-qq']);
    aptUpdated = true;
  }
  console.error(`provision: apt-get install ${packages.join(' ')}`);
  run(['install', '-y', '-qq', ...packages]);
}

function fail(line) {
  console.error(`pnpm test needs: ${line}`);
  process.exit(1);
}

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const wanted = [];
if (!executable(chromiumPath)) {
  // CHROMIUM_PATH pointing at something missing is the user's choice: never install over it.
  if (process.env.CHROMIUM_PATH !== undefined) {
    fail(`Chromium at CHROMIUM_PATH=${chromiumPath} (not found or not executable)`);
  }
  wanted.push('chromium');
}
if (onPath('redis-server') === null) wanted.push('redis-server');
if (onPath('openssl') === null) wanted.push('openssl');
/** A python3 that imports redis: the manager's test of a Python producer (python3-redis). */
const pythonRedis = () =>
  ['/usr/bin/python3', 'python3'].some(
    (python) => spawnSync(python, ['-c', 'import redis'], { stdio: 'ignore' }).status === 0,
  );
if (!pythonRedis()) wanted.push('python3-redis');

if (wanted.length > 0) {
  if (!mayInstall) {
    fail(
      `install ${wanted.join(', ')} (Debian/Ubuntu: sudo apt-get install -y ${wanted.join(' ')}), ` +
        'or run pnpm test as root to let it install them',
    );
  }
  aptInstall(wanted);
  for (const name of wanted) {
    const found =
      name === 'chromium'
        ? executable(chromiumPath)
        : name === 'python3-redis'
          ? pythonRedis()
          : onPath(name) !== null;
    if (!found) fail(`${name} (apt-get installed it but it is still not found)`);
  }
}

if (!(await redisAnswers())) {
  if (checkOnly) fail(`a Redis answering on ${REDIS_HOST}:${REDIS_PORT} (none answers)`);
  try {
    execFileSync(
      'redis-server',
      [
        '--daemonize',
        'yes',
        '--bind',
        REDIS_HOST,
        '--port',
        String(REDIS_PORT),
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (error) {
    fail(
      `a Redis on ${REDIS_HOST}:${REDIS_PORT}; redis-server did not start (${String(error).split('\n')[0]})`,
    );
  }
  let up = false;
  for (let i = 0; i < 50 && !up; i += 1) {
    up = await redisAnswers(500);
    if (!up) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (!up) fail(`a Redis on ${REDIS_HOST}:${REDIS_PORT}; one was started but does not answer`);
  console.error(`provision: started redis-server on ${REDIS_HOST}:${REDIS_PORT}`);
}
console.error(
  `provision: chromium ${chromiumPath}, redis ${REDIS_HOST}:${REDIS_PORT}, openssl, python3-redis: ready`,
);
