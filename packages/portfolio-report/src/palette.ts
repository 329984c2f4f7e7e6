// The report's colours: one per strategy everywhere (lines, areas, bars, swatches), fixed ones for the rest.
export const REPORT_COLORS = {
  portfolio: '#14365d',
  baseline: '#5b7fb0',
  benchmark: '#8c8f94',
  threshold: '#c2410c',
  frequency: '#475569',
  breaker: '#b91c1c',
  halt: '#111827',
  resume: '#15803d',
  unallocated: '#cbd5e1',
  target: '#111827',
  negative: '#b42318',
  positive: '#0f7a4f',
} as const;

// Colour-blind-aware and distinct from the portfolio's navy and the baseline's blue.
const STRATEGY_COLORS = [
  '#0e8a7d',
  '#e07b14',
  '#8b5cc7',
  '#d1467c',
  '#6a9a1f',
  '#2b8fc4',
  '#b8860b',
  '#a0522d',
  '#5f6fd0',
  '#c0392b',
] as const;

export function pickStrategyColor(index: number): string {
  return STRATEGY_COLORS[index % STRATEGY_COLORS.length] as string;
}
