// Records keyed by ids keep `__proto__`, `constructor` and `toString` as keys through encoding,
// decoding and journal lines (zod's record drops `__proto__`; a plain object would take it as
// its prototype), and still report bad keys and values with their paths.
import { describe, expect, it } from 'vitest';
import { encodeRebalancePlan, safeDecodeRebalancePlan, type RebalancePlan } from './events.js';
import { createIdRecord, setId } from './id-record.js';
import { decodeJournalLine, formatJournalLine } from './journal.js';

const ODD = ['__proto__', 'constructor', 'toString', 'b'];

function amounts(): Record<string, number> {
  const out = createIdRecord<number>();
  ODD.forEach((id, i) => (out[id] = i + 0.5));
  return out;
}

const plan: RebalancePlan = {
  planId: 'p:1',
  portfolioId: 'desk',
  timestampNs: 7n,
  reason: 'threshold',
  transfers: amounts(),
  trades: [],
  skipped: [],
  expectedDriftReduction: amounts(),
  estimatedCosts: 0,
};

function planWire(transfers: unknown): unknown {
  return { ...JSON.parse(JSON.stringify(encodeRebalancePlan(plan))), transfers };
}

describe('id records', () => {
  it('encode and decode __proto__, constructor and toString as keys', () => {
    const text = JSON.stringify(encodeRebalancePlan(plan));
    expect(text).toContain(
      '"transfers":{"__proto__":0.5,"constructor":1.5,"toString":2.5,"b":3.5}',
    );
    const back = safeDecodeRebalancePlan(JSON.parse(text));
    if (!back.success) throw back.error;
    // Nothing inherited: no Object.prototype on the chain, so no `constructor` or `toString`.
    expect(back.data.transfers instanceof Object).toBe(false);
    expect(Object.keys(back.data.transfers)).toEqual(ODD);
    expect(Object.entries(back.data.transfers)).toEqual(ODD.map((id, i) => [id, i + 0.5]));
    expect(Object.entries(back.data.expectedDriftReduction)).toEqual(
      ODD.map((id, i) => [id, i + 0.5]),
    );
  });

  it('check a __proto__ key and its value like any other', () => {
    const bad = safeDecodeRebalancePlan(planWire(JSON.parse('{"__proto__":"x","ok":1}')));
    expect(bad.success).toBe(false);
    if (bad.success) return;
    expect(bad.error.issues.map((issue) => issue.path)).toEqual(['transfers.__proto__']);
    const badKey = safeDecodeRebalancePlan(planWire({ 'not an id!': 1 }));
    expect(badKey.success).toBe(false);
    if (badKey.success) return;
    expect(badKey.error.issues[0]?.path).toBe('transfers.not an id!');
    const notRecord = safeDecodeRebalancePlan(planWire([1, 2]));
    expect(notRecord.success).toBe(false);
    if (notRecord.success) return;
    expect(notRecord.error.message).toMatch(/^transfers: /);
  });

  it('keep a funding line allocation for strategy __proto__', () => {
    const line = formatJournalLine('desk', 1, 'funding', 7n, {
      allocations: amounts(),
      unallocated_cash: 0,
      total_capital: 8,
    });
    const decoded = decodeJournalLine(line);
    if (decoded.type !== 'funding') throw new Error(decoded.type);
    expect(Object.entries(decoded.allocations)).toEqual(ODD.map((id, i) => [id, i + 0.5]));
  });

  it('setId keeps a plain object plain and __proto__ an own key', () => {
    const record: Record<string, number> = {};
    for (const [i, id] of ODD.entries()) setId(record, id, i + 0.5);
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.entries(record)).toEqual(ODD.map((id, i) => [id, i + 0.5]));
    expect(JSON.stringify(record)).toBe(
      '{"__proto__":0.5,"constructor":1.5,"toString":2.5,"b":3.5}',
    );
    setId(record, '__proto__', 9);
    expect(record['__proto__']).toBe(9);
  });

  it('createIdRecord inherits nothing and keeps __proto__ an own key', () => {
    const record = amounts();
    expect(record instanceof Object).toBe(false);
    expect(Object.getPrototypeOf(Object.getPrototypeOf(record))).toBeNull();
    expect(record['constructor']).toBe(1.5);
    const empty = createIdRecord<number>();
    for (const id of ODD) expect(empty[id]).toBeUndefined();
    expect(Object.keys(record)).toEqual(ODD);
    const seen: string[] = [];
    for (const id in record) seen.push(id);
    expect(seen).toEqual(ODD);
    // The shared prototype cannot be written through a record.
    expect(() => {
      (Object.getPrototypeOf(record) as Record<string, number>)['x'] = 1;
    }).toThrow(TypeError);
    expect(createIdRecord<number>()['x']).toBeUndefined();
    // Such a record, handed to a decoder as it is, decodes like its JSON.
    const back = safeDecodeRebalancePlan(planWire(amounts()));
    if (!back.success) throw back.error;
    expect(Object.entries(back.data.transfers)).toEqual(ODD.map((id, i) => [id, i + 0.5]));
  });
});
