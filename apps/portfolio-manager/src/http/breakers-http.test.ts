// Breakers on the HTTP side of a running manager (real Redis): after a pause and a halt sent
// through the commands stream, /metrics says so (njord_halted, njord_paused_sleeves,
// njord_sleeve_paused, njord_breaker_events_total), /api/snapshot carries `halted` and
// `paused`, and /events sends a `breaker` event for each.
import { describe, expect, it } from 'vitest';
import { addEntries, type TestPortfolio, waitFor } from '../test-support.js';
import { useManagerWithHttp } from '../test-support/fixtures.js';

const PORTFOLIO: TestPortfolio = {
  id: 'brkhttp',
  totalCapital: 100_000,
  threshold: 0.05,
  weights: { alpha: 0.5, beta: 0.5 },
};

/** Sample values of `name` whose labels include `labels`, summed (an independent text reader). */
function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = new Map<string, string>();
    for (const [, key, value] of (match[3] ?? '').matchAll(/([a-zA-Z_]+)="([^"]*)"/g))
      have.set(key as string, value as string);
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) total += Number(match[4]);
  }
  return total;
}

describe('breakers on the HTTP side', () => {
  const env = useManagerWithHttp('brk-http');

  it('metrics, the snapshot and server-sent events show a paused sleeve and a halt', async () => {
    const { manager, base } = await env.startWithHttp(PORTFOLIO);

    // Listen to the events before anything happens.
    const events: { event: string; data: Record<string, unknown> }[] = [];
    const abort = new AbortController();
    const response = await fetch(`${base}/events`, { signal: abort.signal });
    const reader = response.body?.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    const pump = (async () => {
      for (;;) {
        const chunk = await reader?.read().catch(() => ({ done: true, value: undefined }));
        if (!chunk || chunk.done) return;
        buffered += decoder.decode(chunk.value, { stream: true });
        for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
          const frame = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event !== undefined && data !== undefined)
            events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
      }
    })();

    try {
      const commands = `${env.prefix}:portfolio:${PORTFOLIO.id}:commands`;
      const now = String(BigInt(Date.now()) * 1_000_000n);
      await addEntries(env.redis, commands, [
        JSON.stringify({ command: 'halt', strategy_id: 'beta', timestamp_ns: now }),
        JSON.stringify({ command: 'halt', timestamp_ns: now }),
      ]);
      await waitFor(() => manager.halted, 5_000, 'the halt');
      // One pause, then a breaker plan (before the halt, in command order), then the halt.
      expect(manager.pausedStrategies).toEqual(['beta']);
      expect(manager.counters.plans).toBe(1);

      const text = await (await fetch(`${base}/metrics`)).text();
      expect(metric(text, 'njord_halted')).toBe(1);
      expect(metric(text, 'njord_paused_sleeves')).toBe(1);
      expect(metric(text, 'njord_sleeve_paused', { strategy: 'beta' })).toBe(1);
      expect(metric(text, 'njord_sleeve_paused', { strategy: 'alpha' })).toBe(0);
      expect(metric(text, 'njord_breaker_events_total', { kind: 'breaker' })).toBe(1);
      expect(metric(text, 'njord_breaker_events_total', { kind: 'halt' })).toBe(1);
      expect(metric(text, 'njord_plans_total', { reason: 'breaker' })).toBe(1);

      const snapshot = JSON.parse(await (await fetch(`${base}/api/snapshot`)).text()) as Record<
        string,
        unknown
      >;
      expect(snapshot).toMatchObject({ halted: true, paused: ['beta'] });
      expect((snapshot.target_allocations as Record<string, number>).beta).toBe(0);

      await waitFor(
        () => events.filter((e) => e.event === 'breaker').length === 2,
        5_000,
        'two breaker events',
      );
      const breakers = events.filter((e) => e.event === 'breaker').map((e) => e.data);
      expect(breakers.map((b) => [b.kind, b.strategy_id])).toEqual([
        ['breaker', 'beta'],
        ['halt', null],
      ]);
      expect(breakers[0]?.detail).toBe('operator');
    } finally {
      abort.abort();
      await pump;
    }
  });
});
