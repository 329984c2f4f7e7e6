// Streams a price CSV file through the parser, hashing its bytes and timing the load.
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { Result } from '@njord/portfolio-contracts';
import { PriceCsvParser, PriceCsvRowCounter } from '../price-csv.js';
import type { PriceData } from '../price-data.js';
import { PriceDataError } from '../price-data-error.js';

export interface LoadedPriceData {
  readonly data: PriceData;
  /** The path as given. */
  readonly path: string;
  /** Hex sha256 of the file's bytes (the result's `data.sha256`). */
  readonly sha256: string;
  readonly bytes: number;
  /** Wall time of reading, parsing and aligning, in milliseconds. */
  readonly loadMs: number;
}

/** Largest price file read by default (bytes): 4 GiB, about 60 million rows. */
/**
 * Bytes decoded to text at a time. A 1 MiB read is decoded in 64 KiB pieces: V8 puts a
 * string of 1 MiB in its large-object space, where it waits for a full collection (W's
 * load peaked 97 MB above its start for 41 MB of columns), while a 64 KiB one dies young
 * (65 MB, and 13% faster).
 */
const DECODE_BYTES = 64 * 1024;

/** `bytes` decoded as text by `decoder`, DECODE_BYTES at a time. */
function* decodePieces(decoder: StringDecoder, bytes: Buffer): Generator<string> {
  for (let from = 0; from < bytes.length; from += DECODE_BYTES)
    yield decoder.write(bytes.subarray(from, Math.min(bytes.length, from + DECODE_BYTES)));
}
export const PRICE_CSV_MAX_BYTES = 4 * 1024 ** 3;

export interface LoadPriceCsvOptions {
  /** Refuse files larger than this (default PRICE_CSV_MAX_BYTES). */
  readonly maxBytes?: number;
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/**
 * Reads a price CSV in 1 MiB chunks (the file is never held whole as text). A bad row
 * stops the read at once and is returned as a PriceDataError naming `path`, the line
 * and the column; an unreadable file is a PriceDataError with code `io`. Only regular
 * files are read (a directory, FIFO or device is `not_a_file`), at most `maxBytes`
 * (`too_large`); binary data (a NUL byte) and overlong lines stop the read at the
 * first chunk that holds them.
 */
export async function loadPriceCsv(
  path: string,
  options: LoadPriceCsvOptions = {},
): Promise<Result<LoadedPriceData, PriceDataError>> {
  const started = performance.now();
  const maxBytes = options.maxBytes ?? PRICE_CSV_MAX_BYTES;
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    return {
      success: false,
      error: new PriceDataError('io', path, 0, 0, `cannot read the file (${reason})`),
    };
  }
  if (!info.isFile()) {
    return {
      success: false,
      error: new PriceDataError(
        'not_a_file',
        path,
        0,
        0,
        `is ${kindOf(info)} (expected a regular price CSV file)`,
      ),
    };
  }
  const tooLarge = (size: number): { success: false; error: PriceDataError } => ({
    success: false,
    error: new PriceDataError(
      'too_large',
      path,
      0,
      0,
      `${size > maxBytes && size === info.size ? `is ${gib(size)}` : `grew past ${gib(maxBytes)} while being read`}, larger than the limit of ${gib(maxBytes)} (split the file or pass a larger limit)`,
    ),
  });
  if (info.size > maxBytes) return tooLarge(info.size);
  const hash = createHash('sha256');
  const decoder = new StringDecoder('utf8');
  let bytes = 0;
  // One buffer, read into again and again: a stream would allocate a new 1 MiB buffer per
  // chunk, and a large file's worth of them can wait for the garbage collector at once.
  const buffer = Buffer.allocUnsafe(1 << 20);
  let handle: FileHandle | null = null;
  let parser: PriceCsvParser;
  try {
    handle = await open(path, 'r');
    // First read: each symbol's rows counted, so the parse stores them at their final
    // length (holding the prices once, not in growing pieces and then again as columns).
    // (Decoded as UTF-8, as the parse does: node makes large latin1 strings external, and
    // their memory waits for a collection.)
    const counter = new PriceCsvRowCounter();
    const countDecoder = new StringDecoder('utf8');
    for (let at = 0; ;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, at);
      if (bytesRead === 0) break;
      at += bytesRead;
      if (at > maxBytes) return tooLarge(at);
      // Not a price CSV (binary, an overlong line): the parse says so at its first chunk.
      let text = true;
      for (const piece of decodePieces(countDecoder, buffer.subarray(0, bytesRead))) {
        text = counter.push(piece);
        if (!text) break;
      }
      if (!text) break;
    }
    counter.push(countDecoder.end());
    parser = new PriceCsvParser({ source: path, expectedRows: counter.finish() });
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      bytes += bytesRead;
      if (bytes > maxBytes) return tooLarge(bytes);
      const chunk = buffer.subarray(0, bytesRead);
      hash.update(chunk);
      for (const piece of decodePieces(decoder, chunk)) {
        const error = parser.push(piece);
        if (error !== null) return { success: false, error };
      }
    }
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    return {
      success: false,
      error: new PriceDataError('io', path, 0, 0, `cannot read the file (${reason})`),
    };
  } finally {
    await handle?.close();
  }
  const tail = decoder.end();
  if (tail.length > 0) {
    const error = parser.push(tail);
    if (error !== null) return { success: false, error };
  }
  const result = parser.finish();
  if (!result.success) return result;
  return {
    success: true,
    data: {
      data: result.data,
      path,
      sha256: hash.digest('hex'),
      bytes,
      loadMs: performance.now() - started,
    },
  };
}
