// Fenced writes: every write that matters (order intents, snapshots, dead letters and acks)
// runs as one Lua script (EVALSHA) that first checks the lock key still holds this
// manager's token, so a holder that lost the lock (paused, cut off) writes nothing.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

export function script(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** What a fenced write checks: the lock key and the token it must hold. */
export interface Fence {
  readonly lockKey: string;
  readonly token: string;
  /** Called when Redis refused a write because the key holds another token (or none). */
  readonly onFenced: () => void;
}

/** Thrown when a fenced write was refused: this manager no longer holds the lock. */
export class FencedWriteError extends Error {
  readonly _tag = 'FencedWriteError' as const;
  readonly code = 'lost_lock' as const;
}

const fences = new WeakMap<Redis, Fence>();

/** Every fenced write through `redis` from now on carries this fence (the lock does it). */
export function attachFence(redis: Redis, fence: Fence): void {
  fences.set(redis, fence);
}

export function detachFence(redis: Redis, fence: Fence): void {
  if (fences.get(redis) === fence) fences.delete(redis);
}

export function fenceOf(redis: Redis): Fence | undefined {
  return fences.get(redis);
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/** EVALSHA, falling back to EVAL once when Redis does not have the script (yet, or any more). */
export async function runScript(
  redis: Redis,
  lua: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(lua.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!isNoScript(error)) throw error;
    return redis.eval(lua.source, keys.length, ...keys, ...args);
  }
}

const FENCED = 'FENCED';
const CHECK = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('${FENCED} the portfolio lock is not held by this manager')
end`;

/** KEYS: lock, stream. ARGV: token, maxlen ('' for none), payloads... Returns the entry ids. */
export const FENCED_XADD = script(`${CHECK}
local ids = {}
for i = 3, #ARGV do
  if ARGV[2] == '' then
    ids[#ids + 1] = redis.call('XADD', KEYS[2], '*', 'data', ARGV[i])
  else
    ids[#ids + 1] = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'data', ARGV[i])
  end
end
return ids`);

/** KEYS: lock, channel, stream. ARGV: token, maxlen, payload. */
export const FENCED_SNAPSHOT = script(`${CHECK}
redis.call('PUBLISH', KEYS[2], ARGV[3])
return redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], '*', 'data', ARGV[3])`);

/**
 * KEYS: lock, dead stream, fills stream, prices stream, commands stream. ARGV: token, group,
 * dead maxlen, n dead payloads, the payloads, then the fill ids, the price ids and the
 * command ids, each stream's as one argument joined by spaces.
 * Dead letters first, then the acks, all or nothing against the fence.
 */
export const FENCED_FLUSH = script(`${CHECK}
local group = ARGV[2]
-- The ids of one stream come as one argument, separated by spaces (ids hold none).
local function ack(stream, joined)
  local acked = 0
  local batch = {}
  for id in string.gmatch(joined, '[^ ]+') do
    batch[#batch + 1] = id
    if #batch == 500 then
      acked = acked + redis.call('XACK', stream, group, unpack(batch))
      batch = {}
    end
  end
  if #batch > 0 then acked = acked + redis.call('XACK', stream, group, unpack(batch)) end
  return acked
end
local i = 4
local nDead = tonumber(ARGV[i])
for j = 1, nDead do
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'data', ARGV[i + j])
end
i = i + nDead + 1
local acked = ack(KEYS[3], ARGV[i])
acked = acked + ack(KEYS[4], ARGV[i + 1])
acked = acked + ack(KEYS[5], ARGV[i + 2])
return acked`);

/**
 * Runs a fenced script; a refusal calls the fence's `onFenced` (the lock gives up) and
 * throws FencedWriteError.
 */
export async function runFenced(
  redis: Redis,
  fence: Fence,
  lua: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await runScript(redis, lua, [fence.lockKey, ...keys], [fence.token, ...args]);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(FENCED)) {
      fence.onFenced();
      throw new FencedWriteError(error.message);
    }
    throw error;
  }
}
