export { DataNodeSim } from './sim';
export type { DataNodeSimDeps, SimShard, SimStats } from './sim';
export { parseSimConfig, SIM_USAGE } from './config';
export type { SimConfig } from './config';
export { ShardStore } from './shard-store';
export { NodeRegistration } from './registration';
export { Faults } from './faults';
export type { FaultSpec } from './faults';
