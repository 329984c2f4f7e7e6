// The runner's journal file for the benchmarks (as apps/backtest-runner's
// adapters/journal-file.ts writes it): lines gathered as bytes in about 1 MiB and written
// synchronously, a bare fill through `addFill` (no body to stringify). Plain JavaScript, so a
// benchmark process without a TypeScript loader (runner-memory.mjs) can use it too.
import { closeSync, openSync, writeSync } from 'node:fs';
import { JournalLineBuffer } from '@njord/portfolio-contracts/node';

/**
 * @param {string} path
 * @param {string} portfolioId
 */
export function openJournal(path, portfolioId) {
  const fd = openSync(path, 'w');
  let seq = 0;
  let bytes = 0;
  const buffer = new JournalLineBuffer((1 << 20) + (1 << 18));
  const flush = () => {
    const data = buffer.take();
    for (let at = 0; at < data.length;) at += writeSync(fd, data, at, data.length - at);
    bytes += data.length;
  };
  return {
    /**
     * @param {string} type
     * @param {bigint} timestampNs
     * @param {Record<string, unknown>} body
     */
    add(type, timestampNs, body) {
      seq++;
      let bare = type === 'fill';
      for (const key in body) if (key !== 'fill') bare = false;
      if (bare) buffer.addFill(portfolioId, seq, timestampNs, /** @type {never} */ (body.fill));
      else
        buffer.add(
          portfolioId,
          seq,
          /** @type {never} */ (type),
          timestampNs,
          /** @type {never} */ (body),
        );
      if (buffer.length >= 1 << 20) flush();
    },
    /**
     * @param {bigint} timestampNs
     * @param {import('@njord/portfolio-contracts').RebalancePlan} plan
     */
    plan(timestampNs, plan) {
      seq++;
      buffer.addPlan(portfolioId, seq, timestampNs, plan);
      if (buffer.length >= 1 << 20) flush();
    },
    close() {
      flush();
      closeSync(fd);
    },
    get bytes() {
      return bytes;
    },
  };
}
