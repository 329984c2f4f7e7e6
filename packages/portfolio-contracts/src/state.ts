// In-process views of a portfolio's state shared by the tracker (which owns it), the
// rebalancer (which plans from it) and the backtest engine; not a wire format.

/** One strategy's sleeve: cash plus positions. */
export interface SleeveView {
  readonly strategyId: string;
  readonly cash: number;
  /** symbol -> units (negative = short). */
  readonly positions: Readonly<Record<string, number>>;
}

/** What a rebalance is planned from. */
export interface PortfolioStateView {
  readonly portfolioId: string;
  /** One entry per strategy of the config, in config order. */
  readonly sleeves: readonly SleeveView[];
  readonly unallocatedCash: number;
  /** Bar time or clock time of the last rebalance (or of the start), for the frequency trigger. */
  readonly lastRebalanceNs: bigint;
}

/** symbol -> price used to value (and, where tradable, trade) the symbol. */
export type PriceMap = Readonly<Record<string, number>>;
