// Public API of @njord/test-kit (private to the workspace): fixtures shared by the packages' tests
// and benchmarks. Files on disk: `./node`; the browser tests' Chromium: `./browser`.
export { createNormal, createRandom, randomInteger } from './random.js';
export {
  boundedAllocations,
  exampleAllocations,
  exampleFixture,
  portfolioConfig,
  portfolioWire,
  threeKindsPortfolioYaml,
} from './configs.js';
export type { AllocationFixture, PortfolioFixture } from './configs.js';
export { createLineJournal } from './journal.js';
export type { LineJournal } from './journal.js';
export {
  SCENARIO_FIRST_PRICES,
  SCENARIO_IDS,
  SCENARIO_SYMBOLS,
  scenarioPortfolioWire,
  scenarioTick,
  scenarioTrade,
} from './kernel-scenario.js';
export type { ScenarioTick } from './kernel-scenario.js';
export { referenceFill } from './fills.js';
export { doubleMagnitude } from './doubles.js';
