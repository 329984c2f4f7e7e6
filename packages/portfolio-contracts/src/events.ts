// Live wire contracts: fills, price marks, order intents, snapshots, rebalance plans, bars.
import { z } from 'zod';
import { array, type Codec, nullable, object, optional, plain, record } from './codec.js';
import type { WireForm } from './codec.js';
import { decodeWith, safeDecodeWith } from './contract.js';
import type { Result } from './errors.js';
import {
  bool,
  finite,
  id,
  IdSchema,
  nonNegative,
  positive,
  side,
  timestampNs,
} from './primitives.js';

import {
  MANAGER_COMMANDS,
  REBALANCE_REASONS,
  type RebalanceReason,
  SKIP_REASONS,
  type SkipReason,
} from './constants.js';

/** Plan and intent ids are made of ids joined by `:` (`<plan_id>:<n>`, `<plan_id>:net:<n>`). */
const ref: Codec<string> = plain(z.string().min(1).max(256));

export { REBALANCE_REASONS, SKIP_REASONS };
export type { RebalanceReason, SkipReason };

const amounts = record(IdSchema, finite);

export const fillEventCodec = object({
  fill_id: ref,
  strategy_id: id,
  symbol: id,
  side,
  quantity: positive,
  price: positive,
  fee: nonNegative,
  timestamp_ns: timestampNs,
  portfolio_id: optional(id),
  intent_id: optional(ref),
});

export const priceMarkCodec = object({
  symbol: id,
  price: positive,
  timestamp_ns: timestampNs,
});

const orderIntentShape = {
  intent_id: ref,
  plan_id: ref,
  portfolio_id: id,
  strategy_id: id,
  symbol: id,
  side,
  quantity: positive,
  reference_price: positive,
  timestamp_ns: timestampNs,
};
export const orderIntentCodec = object(orderIntentShape);

export const plannedTradeCodec = object({
  ...orderIntentShape,
  commission: nonNegative,
  slippage: nonNegative,
});

export const skippedTradeCodec = object({
  strategy_id: id,
  symbol: id,
  quantity: finite,
  reason: plain(z.enum(SKIP_REASONS)),
});

const rebalancePlanShape = {
  plan_id: ref,
  portfolio_id: id,
  timestamp_ns: timestampNs,
  reason: plain(z.enum(REBALANCE_REASONS)),
  transfers: amounts,
  trades: array(plannedTradeCodec),
  skipped: array(skippedTradeCodec),
  expected_drift_reduction: amounts,
  estimated_costs: nonNegative,
  /** Band-edge rebalancing only: true when the sleeves inside their bands could not absorb the
   * net amount and the plan went all the way to target instead. */
  fallback: optional(bool),
  /** Netting only: opposite intents crossed between sleeves, booked as internal fills. */
  internal_fills: optional(array(fillEventCodec)),
  /** Netting only: commission and slippage the crossing avoided. */
  netting_savings: optional(nonNegative),
};
export const rebalancePlanCodec = object(rebalancePlanShape);

export const portfolioSnapshotCodec = object({
  portfolio_id: id,
  timestamp_ns: timestampNs,
  total_equity: finite,
  strategy_allocations: amounts,
  drift_from_target: amounts,
  needs_rebalance: bool,
  target_allocations: amounts,
  unallocated_cash: finite,
  bounds_violated: bool,
  rebalance_reason: nullable(plain(z.enum(REBALANCE_REASONS))),
  stale_symbols: array(id),
  /** The portfolio is halted: no new plan until an operator resumes it. */
  halted: optional(bool),
  /** Strategies paused by a breaker (target 0): their strategies should not trade. */
  paused: optional(array(id)),
});

/**
 * An operator's command to the live manager (its commands stream): `halt` or `resume` the
 * portfolio, or with `strategy_id` pause or resume one sleeve; `check` evaluates the trigger
 * at once.
 */
export const managerCommandCodec = object({
  command: plain(z.enum(MANAGER_COMMANDS)),
  strategy_id: optional(id),
  timestamp_ns: timestampNs,
});

export const barCodec = object({
  timestamp_ns: timestampNs,
  symbol: id,
  open: positive,
  high: positive,
  low: positive,
  close: positive,
  volume: nonNegative,
});

export type FillEvent = z.output<typeof fillEventCodec.schema>;
export type PriceMark = z.output<typeof priceMarkCodec.schema>;
export type OrderIntent = z.output<typeof orderIntentCodec.schema>;
export type PlannedTrade = z.output<typeof plannedTradeCodec.schema>;
export type SkippedTrade = z.output<typeof skippedTradeCodec.schema>;
export type RebalancePlan = z.output<typeof rebalancePlanCodec.schema>;
export type PortfolioSnapshot = z.output<typeof portfolioSnapshotCodec.schema>;
export type Bar = z.output<typeof barCodec.schema>;
export type ManagerCommandEvent = z.output<typeof managerCommandCodec.schema>;
export type ManagerCommandEventWire = WireForm<z.output<typeof managerCommandCodec.schema>>;

export type FillEventWire = WireForm<z.output<typeof fillEventCodec.schema>>;
export type PriceMarkWire = WireForm<z.output<typeof priceMarkCodec.schema>>;
export type OrderIntentWire = WireForm<z.output<typeof orderIntentCodec.schema>>;
export type RebalancePlanWire = WireForm<z.output<typeof rebalancePlanCodec.schema>>;
export type PortfolioSnapshotWire = WireForm<z.output<typeof portfolioSnapshotCodec.schema>>;
export type BarWire = WireForm<z.output<typeof barCodec.schema>>;

export const FillEventSchema = fillEventCodec.schema;
export const PriceMarkSchema = priceMarkCodec.schema;
export const OrderIntentSchema = orderIntentCodec.schema;
export const RebalancePlanSchema = rebalancePlanCodec.schema;
export const PortfolioSnapshotSchema = portfolioSnapshotCodec.schema;
export const BarSchema = barCodec.schema;
export const ManagerCommandSchema = managerCommandCodec.schema;

export const encodeManagerCommand = (value: ManagerCommandEvent): ManagerCommandEventWire =>
  managerCommandCodec.encode(value) as ManagerCommandEventWire;

export const encodeFillEvent = (value: FillEvent): FillEventWire =>
  fillEventCodec.encode(value) as FillEventWire;
export const decodeFillEvent = (raw: unknown): FillEvent => decodeWith(fillEventCodec, raw);
export const safeDecodeFillEvent = (raw: unknown): Result<FillEvent> =>
  safeDecodeWith(fillEventCodec, raw);

export const encodePriceMark = (value: PriceMark): PriceMarkWire =>
  priceMarkCodec.encode(value) as PriceMarkWire;
export const decodePriceMark = (raw: unknown): PriceMark => decodeWith(priceMarkCodec, raw);
export const safeDecodePriceMark = (raw: unknown): Result<PriceMark> =>
  safeDecodeWith(priceMarkCodec, raw);

export const encodeOrderIntent = (value: OrderIntent): OrderIntentWire =>
  orderIntentCodec.encode(value) as OrderIntentWire;
export const decodeOrderIntent = (raw: unknown): OrderIntent => decodeWith(orderIntentCodec, raw);
export const safeDecodeOrderIntent = (raw: unknown): Result<OrderIntent> =>
  safeDecodeWith(orderIntentCodec, raw);

export const encodeRebalancePlan = (value: RebalancePlan): RebalancePlanWire =>
  rebalancePlanCodec.encode(value) as RebalancePlanWire;
export const decodeRebalancePlan = (raw: unknown): RebalancePlan =>
  decodeWith(rebalancePlanCodec, raw);
export const safeDecodeRebalancePlan = (raw: unknown): Result<RebalancePlan> =>
  safeDecodeWith(rebalancePlanCodec, raw);

export const encodePortfolioSnapshot = (value: PortfolioSnapshot): PortfolioSnapshotWire =>
  portfolioSnapshotCodec.encode(value) as PortfolioSnapshotWire;
export const decodePortfolioSnapshot = (raw: unknown): PortfolioSnapshot =>
  decodeWith(portfolioSnapshotCodec, raw);
export const safeDecodePortfolioSnapshot = (raw: unknown): Result<PortfolioSnapshot> =>
  safeDecodeWith(portfolioSnapshotCodec, raw);

export const encodeBar = (value: Bar): BarWire => barCodec.encode(value) as BarWire;
export const decodeBar = (raw: unknown): Bar => decodeWith(barCodec, raw);
export const safeDecodeBar = (raw: unknown): Result<Bar> => safeDecodeWith(barCodec, raw);

export { rebalancePlanShape };
