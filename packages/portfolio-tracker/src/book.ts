// The mutable book behind the tracker: symbol valuations, positions at weighted average cost, sleeves.

/**
 * A trade that leaves at most this fraction (relative to the larger of the position and
 * the trade) closes the position: 0.1 + 0.2 - 0.3 units is flat, not 5.5e-17 units.
 */
export const DUST_TOLERANCE = 1e-12;

/** How a symbol is valued: its last mark, or its last fill price until a first mark (stale). */
export class SymbolState {
  readonly symbol: string;
  readonly nameId: number;
  price: number;
  marked = false;
  markNs = 0n;
  /** Its index in the tracker's dense symbol list (`indexSymbols`), or -1. */
  index = -1;

  constructor(symbol: string, nameId: number, price: number) {
    this.symbol = symbol;
    this.nameId = nameId;
    this.price = price;
  }
}

/** One symbol in one sleeve. Fees are kept beside the cost basis, not inside it. */
export class Position {
  readonly symbol: string;
  readonly valuation: SymbolState;
  units = 0;
  averageCost = 0;
  realizedPnl = 0;
  fees = 0;

  constructor(valuation: SymbolState) {
    this.symbol = valuation.symbol;
    this.valuation = valuation;
  }

  /**
   * Applies a signed quantity at `price` (weighted average cost): adding to the position
   * (or opening it) moves the average; reducing it realizes `closed x (price - avg)` on
   * the closed units (sign of the position); a flip through zero closes at `price` and
   * opens the remainder at `price`.
   */
  trade(quantity: number, price: number): void {
    const units = this.units;
    if (units === 0) {
      this.units = quantity;
      this.averageCost = price;
      return;
    }
    if (units > 0 === quantity > 0) {
      const next = units + quantity;
      this.averageCost = (units * this.averageCost + quantity * price) / next;
      this.units = next;
      return;
    }
    const size = units > 0 ? units : -units;
    const traded = quantity > 0 ? quantity : -quantity;
    const closed = traded < size ? traded : size;
    this.realizedPnl +=
      units > 0 ? closed * (price - this.averageCost) : closed * (this.averageCost - price);
    let next = units + quantity;
    if ((next > 0 ? next : -next) <= DUST_TOLERANCE * (traded > size ? traded : size)) next = 0;
    if (next === 0) this.averageCost = 0;
    else if (next > 0 !== units > 0) this.averageCost = price;
    this.units = next;
  }
}

/** One strategy's sleeve: cash plus positions. */
export class Sleeve {
  readonly strategyId: string;
  readonly nameId: number;
  cash: number;
  /** In the book but no longer in the config: target 0 until wound down. */
  retired = false;
  /** By symbol; positions are only ever added (a flat one keeps its realized PnL). */
  readonly positions = new Map<string, Position>();
  /** The same positions in the order they were added (the order every sum runs in). */
  readonly list: Position[] = [];
  /** By dense symbol index (`SymbolState.index`), for a simulation's hot path. */
  readonly at: (Position | undefined)[] = [];

  constructor(strategyId: string, nameId: number, cash: number) {
    this.strategyId = strategyId;
    this.nameId = nameId;
    this.cash = cash;
  }

  /** Adds the position of a symbol the sleeve does not hold yet. */
  add(position: Position): void {
    this.positions.set(position.symbol, position);
    this.list.push(position);
    const index = position.valuation.index;
    if (index >= 0) this.at[index] = position;
  }

  /** cash + sum(units x value), over positions in the order they were added. */
  capital(): number {
    let capital = this.cash;
    const list = this.list;
    for (let i = 0; i < list.length; i++) {
      const position = list[i] as Position;
      if (position.units !== 0) capital += position.units * position.valuation.price;
    }
    return capital;
  }

  /** No units held and no cash: nothing left to wind down. */
  isEmpty(): boolean {
    if (this.cash !== 0) return false;
    for (const position of this.list) if (position.units !== 0) return false;
    return true;
  }
}
