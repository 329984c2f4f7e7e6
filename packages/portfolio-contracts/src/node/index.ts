// Node-only entry of @njord/portfolio-contracts: reading a portfolio config from disk.
import { open, stat } from 'node:fs/promises';
import { ContractError } from '../errors.js';
import type { PortfolioConfig } from '../portfolio-config.js';
import { safeParsePortfolioConfig } from '../yaml.js';
import { YAML_MAX_CHARS } from '../yaml-limits.js';

function fail(path: string, message: string): never {
  throw new ContractError([{ path, message }], 'io');
}

/**
 * Reads a config file's text: only a regular file, at most YAML_MAX_CHARS bytes (so a
 * FIFO, /dev/zero or a huge file fails at once instead of hanging or filling memory).
 */
export async function readConfigText(path: string): Promise<string> {
  if (path === '') fail('(empty path)', 'no file named (pass the path of a YAML file)');
  let handle;
  try {
    const info = await stat(path);
    if (info.isDirectory()) fail(path, 'is a directory (expected a YAML file)');
    if (!info.isFile()) fail(path, 'is not a regular file (expected a YAML file)');
    if (info.size > YAML_MAX_CHARS) {
      fail(path, `is ${info.size} bytes, more than the limit of ${YAML_MAX_CHARS} for a YAML file`);
    }
    handle = await open(path, 'r');
    const buffer = Buffer.alloc(YAML_MAX_CHARS + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > YAML_MAX_CHARS) {
        fail(path, `grew past the limit of ${YAML_MAX_CHARS} bytes for a YAML file while read`);
      }
    }
    return buffer.toString('utf8', 0, length);
  } catch (error) {
    if (error instanceof ContractError) throw error;
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    return fail(path, `cannot read the file (${reason})`);
  } finally {
    await handle?.close();
  }
}

/** Reads and validates a portfolio YAML (or JSON) file; throws ContractError naming the file. */
export async function loadPortfolioConfig(path: string): Promise<PortfolioConfig> {
  const text = await readConfigText(path);
  const result = safeParsePortfolioConfig(text, path);
  if (!result.success) throw result.error;
  return result.data;
}
export { JournalLineBuffer } from './journal-buffer.js';
export { makeDirectory } from './make-directory.js';
export { redactRedisUrl } from './redact.js';
