// Streams a price CSV file through the parser, hashing its bytes and timing the load.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Result } from '@njord/portfolio-contracts';
import { PriceCsvParser } from '../price-csv.js';
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

/**
 * Reads a price CSV in 1 MiB chunks (the file is never held whole as text). A bad row
 * stops the read at once and is returned as a PriceDataError naming `path`, the line
 * and the column; an unreadable file is a PriceDataError with code `io`.
 */
export async function loadPriceCsv(path: string): Promise<Result<LoadedPriceData, PriceDataError>> {
  const started = performance.now();
  const parser = new PriceCsvParser({ source: path });
  const hash = createHash('sha256');
  const decoder = new StringDecoder('utf8');
  let bytes = 0;
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      hash.update(chunk);
      const error = parser.push(decoder.write(chunk));
      if (error !== null) {
        stream.destroy();
        return { success: false, error };
      }
    }
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    return {
      success: false,
      error: new PriceDataError('io', path, 0, 0, `cannot read the file (${reason})`),
    };
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
