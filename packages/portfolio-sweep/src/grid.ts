// The sweep grid file: its schema (snake_case on the wire), YAML parsing and field-path errors.
import { z } from 'zod';
import {
  ContractError,
  type ContractIssue,
  IdSchema,
  type Result,
  toContractIssues,
} from '@njord/portfolio-contracts';
import { parseYamlText } from '@njord/portfolio-contracts/yaml';
import { FORBIDDEN_SEGMENTS } from './config-paths.js';

/** Metrics a sweep can rank by (higher is better). */
export const OBJECTIVES = [
  'total_return',
  'cagr',
  'sharpe',
  'sortino',
  'calmar',
  'max_drawdown',
] as const;
export type Objective = (typeof OBJECTIVES)[number];

export const CONSTRAINT_OPERATORS = ['<', '<=', '==', '!=', '>=', '>'] as const;
export type ConstraintOperator = (typeof CONSTRAINT_OPERATORS)[number];

/** A parameter or constraint path: dot-separated keys of the portfolio (wire names). */
export const ParameterPathSchema = z
  .string()
  .min(1)
  .refine(
    (path) => path.split('.').every((s) => s.length > 0 && !FORBIDDEN_SEGMENTS.has(s)),
    'must be dot-separated non-empty keys (no __proto__, prototype or constructor)',
  );

const ConstraintSchema = z.strictObject({
  left: ParameterPathSchema,
  op: z.enum(CONSTRAINT_OPERATORS),
  right: z.union([z.number(), ParameterPathSchema]),
});

const dateText = z.union([
  z.string().min(1),
  z.date().transform((date) => date.toISOString().slice(0, 10)),
]);

const SweepSchema = z.strictObject({
  id: IdSchema,
  portfolio: z.string().min(1),
  data: z.string().min(1).optional(),
  start: dateText.optional(),
  end: dateText.optional(),
  parameters: z
    .record(ParameterPathSchema, z.array(z.json()).min(1))
    .refine((p) => Object.keys(p).length > 0, 'must list at least one parameter'),
  constraints: z.array(ConstraintSchema).default([]),
  sample: z.strictObject({ count: z.number().int().gte(1), seed: z.number().int() }).optional(),
  objective: z.enum(OBJECTIVES).default('sharpe'),
  pbo_partitions: z
    .number()
    .int()
    .gte(2)
    .refine((n) => n % 2 === 0, 'must be even')
    .default(16),
  walk_forward: z
    .strictObject({
      in_sample_bars: z.number().int().gte(2),
      out_of_sample_bars: z.number().int().gte(1),
      anchored: z.boolean().default(false),
    })
    .optional(),
});

export const SweepGridFileSchema = z.strictObject({ sweep: SweepSchema });

export interface SweepConstraint {
  readonly left: string;
  readonly op: ConstraintOperator;
  readonly right: string | number;
}

/** A validated grid. Parameters keep the file's order. */
export interface SweepGrid {
  readonly id: string;
  readonly portfolio: string;
  readonly data?: string;
  readonly start?: string;
  readonly end?: string;
  readonly parameters: ReadonlyMap<string, readonly unknown[]>;
  readonly constraints: readonly SweepConstraint[];
  readonly sample?: { readonly count: number; readonly seed: number };
  readonly objective: Objective;
  readonly pboPartitions: number;
  readonly walkForward?: {
    readonly inSampleBars: number;
    readonly outOfSampleBars: number;
    readonly anchored: boolean;
  };
}

/** Validates a grid (`{sweep: {...}}`, or its YAML text); every broken rule is reported with its path. */
export function safeParseSweepGrid(raw: unknown, fileName?: string): Result<SweepGrid> {
  let input = raw;
  if (typeof raw === 'string') {
    const parsed = parseYamlText(raw, fileName);
    if (!parsed.success) return parsed;
    input = parsed.data;
  }
  const result = SweepGridFileSchema.safeParse(input);
  if (!result.success) {
    const issues: ContractIssue[] = toContractIssues(result.error.issues, input);
    const where =
      fileName === undefined
        ? issues
        : issues.map((i) => ({ ...i, path: `${fileName}: ${i.path}` }));
    return { success: false, error: new ContractError(where) };
  }
  const s = result.data.sweep;
  const parameters = new Map<string, readonly unknown[]>();
  for (const [path, values] of Object.entries(s.parameters)) parameters.set(path, values);
  return {
    success: true,
    data: {
      id: s.id,
      portfolio: s.portfolio,
      ...(s.data === undefined ? {} : { data: s.data }),
      ...(s.start === undefined ? {} : { start: s.start }),
      ...(s.end === undefined ? {} : { end: s.end }),
      parameters,
      constraints: s.constraints,
      ...(s.sample === undefined ? {} : { sample: s.sample }),
      objective: s.objective,
      pboPartitions: s.pbo_partitions,
      ...(s.walk_forward === undefined
        ? {}
        : {
            walkForward: {
              inSampleBars: s.walk_forward.in_sample_bars,
              outOfSampleBars: s.walk_forward.out_of_sample_bars,
              anchored: s.walk_forward.anchored,
            },
          }),
    },
  };
}

/** Like `safeParseSweepGrid`, but throws the ContractError. */
export function parseSweepGrid(raw: unknown, fileName?: string): SweepGrid {
  const result = safeParseSweepGrid(raw, fileName);
  if (!result.success) throw result.error;
  return result.data;
}

/** The grid's wire form (as in the file, defaults written out), for the sweep JSON. */
export function encodeSweepGrid(grid: SweepGrid): Record<string, unknown> {
  const parameters: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [path, values] of grid.parameters) parameters[path] = values;
  return {
    id: grid.id,
    portfolio: grid.portfolio,
    ...(grid.data === undefined ? {} : { data: grid.data }),
    ...(grid.start === undefined ? {} : { start: grid.start }),
    ...(grid.end === undefined ? {} : { end: grid.end }),
    parameters,
    constraints: grid.constraints.map((c) => ({ left: c.left, op: c.op, right: c.right })),
    ...(grid.sample === undefined ? {} : { sample: { ...grid.sample } }),
    objective: grid.objective,
    pbo_partitions: grid.pboPartitions,
    ...(grid.walkForward === undefined
      ? {}
      : {
          walk_forward: {
            in_sample_bars: grid.walkForward.inSampleBars,
            out_of_sample_bars: grid.walkForward.outOfSampleBars,
            anchored: grid.walkForward.anchored,
          },
        }),
  };
}
