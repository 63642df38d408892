export * from './types';
export { planAllocation, sortAllocations } from './allocate';
export { candidateNodes, nodeLoads } from './candidates';
export { indexHealth, indexState, isActive } from './health';
export type { IndexStateInput } from './health';
export { isRelocationExtra } from './allocate';
export { planRelocations, countedCopies } from './relocate';
export type { RelocationOptions, RelocationPlan, RelocationsInFlight, StuckCopy, StuckReason } from './relocate';
