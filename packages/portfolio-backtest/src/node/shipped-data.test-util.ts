// Test helper: a price file shipped in the repository's data/ folder, parsed (throws on a fault).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePriceCsv } from '../price-csv.js';
import type { PriceData } from '../price-data.js';

/** `data/<name>` parsed with `name` as its source. */
export function shippedPriceData(name: string): PriceData {
  const path = fileURLToPath(new URL(`../../../../data/${name}`, import.meta.url));
  const parsed = parsePriceCsv(readFileSync(path, 'utf8'), { source: name });
  if (!parsed.success) throw parsed.error;
  return parsed.data;
}
