// Stored runs, keyed by their hash: files under <out>/sweep_cache for local sweeps, Redis keys
// for distributed ones. A stored run is reused by any later sweep with the same key.
import { renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { makeDirectory } from '@njord/portfolio-contracts/node';

export interface ResultStore {
  get(hash: string): Promise<Uint8Array | null>;
  getMany(hashes: readonly string[]): Promise<Map<string, Uint8Array>>;
  put(hash: string, bytes: Uint8Array): Promise<void>;
}

export function createFileStore(dir: string): ResultStore {
  makeDirectory(dir);
  const path = (hash: string) => join(dir, `${hash}.run`);
  const store: ResultStore = {
    async get(hash) {
      try {
        return new Uint8Array(await readFile(path(hash)));
      } catch {
        return null;
      }
    },
    async getMany(hashes) {
      const out = new Map<string, Uint8Array>();
      for (const hash of hashes) {
        const bytes = await store.get(hash);
        if (bytes !== null) out.set(hash, bytes);
      }
      return out;
    },
    put(hash, bytes) {
      // Write then rename, so a killed sweep never leaves half a result under its key.
      const tmp = `${path(hash)}.${process.pid}.tmp`;
      writeFileSync(tmp, bytes);
      renameSync(tmp, path(hash));
      return Promise.resolve();
    },
  };
  return store;
}

/** Seconds a stored run or data file stays in Redis after its last write. */
export const REDIS_TTL_SECONDS = 14 * 86_400;

export const resultKey = (prefix: string, hash: string) => `${prefix}:sweep:result:${hash}`;
export const dataKey = (prefix: string, sha256: string) => `${prefix}:sweep:data:${sha256}`;

export function createRedisStore(redis: Redis, prefix: string): ResultStore {
  return {
    async get(hash) {
      const bytes = await redis.getBuffer(resultKey(prefix, hash));
      return bytes === null ? null : new Uint8Array(bytes);
    },
    async getMany(hashes) {
      const out = new Map<string, Uint8Array>();
      for (let i = 0; i < hashes.length; i += 500) {
        const chunk = hashes.slice(i, i + 500);
        const values = await redis.mgetBuffer(...chunk.map((h) => resultKey(prefix, h)));
        values.forEach((value, k) => {
          if (value !== null) out.set(chunk[k] as string, new Uint8Array(value));
        });
      }
      return out;
    },
    async put(hash, bytes) {
      await redis.set(resultKey(prefix, hash), Buffer.from(bytes), 'EX', REDIS_TTL_SECONDS);
    },
  };
}
