// The stored form of a run: a JSON header (metrics, range) and the equity as raw float64, so
// every path (threads, Redis, files) hands the coordinator the same bits.
import { type Metrics } from '@njord/portfolio-contracts';
import type { PortfolioRun } from './run-portfolio.js';

const MAGIC = 0x4e4a5357; // "NJSW"
const FORMAT = 1;

interface Header {
  readonly metrics: Metrics;
  readonly initial_capital: number;
  readonly first_step: number;
  readonly last_step: number;
  readonly bars: number;
}

/** Encodes a run: magic, format, header length, header JSON, padding to 8 bytes, equity. */
export function encodePortfolioRun(run: PortfolioRun): Uint8Array {
  const header: Header = {
    metrics: run.metrics,
    initial_capital: run.initialCapital,
    first_step: run.firstStep,
    last_step: run.lastStep,
    bars: run.equity.length,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const offset = Math.ceil((12 + json.length) / 8) * 8;
  const bytes = new Uint8Array(offset + run.equity.length * 8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, FORMAT, true);
  view.setUint32(8, json.length, true);
  bytes.set(json, 12);
  new Float64Array(bytes.buffer, offset, run.equity.length).set(run.equity);
  return bytes;
}

/** Decodes `encodePortfolioRun`'s bytes; throws on anything else. */
export function decodePortfolioRun(bytes: Uint8Array): PortfolioRun {
  if (bytes.byteLength < 12) throw new Error('stored run: too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) !== FORMAT) {
    throw new Error('stored run: unknown format');
  }
  const length = view.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length))) as Header;
  const offset = Math.ceil((12 + length) / 8) * 8;
  if (bytes.byteLength !== offset + header.bars * 8) throw new Error('stored run: truncated');
  // Copy: the source may be unaligned or shared.
  const equity = new Float64Array(header.bars);
  new Uint8Array(equity.buffer).set(bytes.subarray(offset, offset + header.bars * 8));
  return {
    metrics: header.metrics,
    equity,
    initialCapital: header.initial_capital,
    firstStep: header.first_step,
    lastStep: header.last_step,
  };
}
