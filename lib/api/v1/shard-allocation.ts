import { ObjectMeta, ResourceDefinition, API_GROUP_VERSION } from './schema';
import { INDEX_LIMITS, SHARD_STATES, ShardState } from './quidditch-index';

export interface ShardAllocationSpec {
  indexName: string;
  shardId: number;
  isPrimary: boolean;
  assignedNode: string;
}

export interface ShardAllocationObjectStatus {
  state?: ShardState;
  docsCount?: number;
  sizeBytes?: number;
}

export interface ShardAllocation {
  apiVersion: typeof API_GROUP_VERSION;
  kind: 'ShardAllocation';
  metadata: ObjectMeta;
  spec: ShardAllocationSpec;
  status?: ShardAllocationObjectStatus;
}

export const shardAllocationDefinition: ResourceDefinition = {
  kind: 'ShardAllocation',
  plural: 'shardallocations',
  singular: 'shardallocation',
  shortNames: ['qshard'],
  description:
    'ShardAllocation mirrors one shard copy of a QuidditchIndex for per-shard visibility (kubectl get qshard). ' +
    'The index status is the source of truth; these objects are optional.',
  specSchema: {
    type: 'object',
    description: 'Which copy of which shard lives where.',
    required: ['indexName', 'shardId', 'isPrimary', 'assignedNode'],
    properties: {
      indexName: { type: 'string', description: 'Name of the QuidditchIndex in the same namespace.', minLength: 1, maxLength: 253 },
      shardId: { type: 'integer', description: 'The shard number, from 0 to shards-1.', minimum: 0, maximum: INDEX_LIMITS.maxShards - 1 },
      isPrimary: { type: 'boolean', description: 'Whether this copy is the primary.' },
      assignedNode: { type: 'string', description: 'Name of the QuidditchNode holding the copy.', minLength: 1, maxLength: 253 },
    },
  },
  statusSchema: {
    type: 'object',
    description: 'The copy as its data node last reported it.',
    properties: {
      state: { type: 'string', description: 'INITIALIZING, STARTED, RELOCATING or UNASSIGNED.', enum: [...SHARD_STATES] },
      docsCount: { type: 'integer', format: 'int64', description: 'Documents in the copy.', minimum: 0 },
      sizeBytes: { type: 'integer', format: 'int64', description: 'Size of the copy on disk in bytes.', minimum: 0 },
    },
  },
  printerColumns: [
    { name: 'Index', type: 'string', jsonPath: '.spec.indexName', description: 'Owning index' },
    { name: 'Shard', type: 'integer', jsonPath: '.spec.shardId', description: 'Shard number' },
    { name: 'Primary', type: 'boolean', jsonPath: '.spec.isPrimary', description: 'Primary copy' },
    { name: 'Node', type: 'string', jsonPath: '.spec.assignedNode', description: 'Holding node' },
    { name: 'State', type: 'string', jsonPath: '.status.state', description: 'Copy state' },
    { name: 'Docs', type: 'integer', jsonPath: '.status.docsCount', description: 'Documents in the copy, as its node reports' },
    { name: 'Size', type: 'integer', jsonPath: '.status.sizeBytes', description: 'Bytes of the copy, as its node reports' },
  ],
};
