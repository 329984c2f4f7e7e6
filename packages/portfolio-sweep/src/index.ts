// Public API of @njord/portfolio-sweep: grids, combinations, runs, overfitting figures and walk-forward.
export { erfc, normalCdf, normalQuantile } from './normal.js';
export {
  argmaxFirst,
  averageRank,
  binomial,
  deflatedSharpeRatio,
  EULER_GAMMA,
  expectedMaxSharpe,
  lexicographicSubsets,
  perBarSharpe,
  probabilityOfOverfitting,
  returnsFromEquity,
  sampleVariance,
} from './overfitting.js';
export type { DeflatedSharpe, PboResult } from './overfitting.js';
export { stitchSegments, walkForwardEfficiency, walkForwardWindows } from './walk-forward.js';
export type { WalkForwardSettings, WalkForwardWindow } from './walk-forward.js';
export {
  CONSTRAINT_OPERATORS,
  encodeSweepGrid,
  OBJECTIVES,
  ParameterPathSchema,
  parseSweepGrid,
  safeParseSweepGrid,
  SweepGridFileSchema,
} from './grid.js';
export type { ConstraintOperator, Objective, SweepConstraint, SweepGrid } from './grid.js';
export {
  getParameter,
  ParameterPathError,
  setParameter,
  WEIGHTS_PARAMETER,
} from './config-paths.js';
export type { WirePortfolio } from './config-paths.js';
export {
  cartesianProduct,
  expandGrid,
  MAX_GRID_COMBINATIONS,
  sampleIndices,
  satisfies,
} from './combinations.js';
export type { Combination, ExpandedGrid } from './combinations.js';
export { objectiveValue, pickBest } from './objective.js';
export { canonicalJson, combinationId, runHash, sha256Hex } from './hash.js';
export type { RunKey } from './hash.js';
export { runPortfolio } from './run-portfolio.js';
export type { PortfolioRun, RunRange } from './run-portfolio.js';
export { decodePortfolioRun, encodePortfolioRun } from './run-codec.js';
export { assembleSweepResult, chooseInSample, planWalkForward } from './sweep-result.js';
export type {
  AssembleSweepInput,
  SweepCombinationWire,
  SweepResultWire,
  WalkForwardRuns,
} from './sweep-result.js';
export { renderSweepReport } from './report.js';
export type { RenderSweepReportOptions } from './report.js';
