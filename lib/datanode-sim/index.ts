export { DataNodeSim } from './sim';
export type { DataNodeSimDeps, SimStats } from './sim';
export { parseSimConfig, SIM_USAGE } from './config';
export type { SimConfig } from './config';
export { ShardStore } from './shard-store';
export { NodeRegistration } from './registration';
