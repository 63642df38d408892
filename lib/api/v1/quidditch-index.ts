import { conditionsSchema, Condition, JSONSchema, ObjectMeta, ResourceDefinition, API_GROUP_VERSION } from './schema';
import { IndexSettings, SETTINGS_LIMITS, SPEC_OWNED_SETTINGS } from './index-settings';

/**
 * The finalizer the operator keeps on every index it may have created copies of, so a deletion
 * waits until those copies are deleted from the data nodes. Added by the operator, or at admission
 * by the policy `operator.finalizerAdmissionPolicy` emits.
 */
export const INDEX_FINALIZER = 'quidditch.io/index-protection';

export const INDEX_STATES = ['CREATING', 'ACTIVE', 'DELETING'] as const;
export type IndexState = (typeof INDEX_STATES)[number];
export const INDEX_HEALTHS = ['green', 'yellow', 'red'] as const;
export type IndexHealth = (typeof INDEX_HEALTHS)[number];
/**
 * UNASSIGNED: the copy is recorded where its data last was (nodeId) but does not serve: its node is
 * unavailable (NodeLeft) or no longer holds it (CopyMissing, CopyFailed). It is kept so that a node
 * coming back with the data is recognised and its copy re-adopted, and so that a primary whose data
 * exists nowhere else is never silently replaced by an empty one.
 */
export const SHARD_STATES = ['INITIALIZING', 'STARTED', 'RELOCATING', 'UNASSIGNED'] as const;
export type ShardState = (typeof SHARD_STATES)[number];

/** Schema entries for the settings spec owns, bare and (with `prefixed`) index.-prefixed: declared so CEL can refuse them. */
function specOwnedSettingFields(prefixed = true): Record<string, JSONSchema> {
  const field: JSONSchema = { description: 'Not allowed: spec.shards / spec.replicas say this.', 'x-kubernetes-int-or-string': true };
  return Object.fromEntries(Object.keys(SPEC_OWNED_SETTINGS).flatMap((k) => (prefixed ? [[k, field], [`index.${k}`, field]] : [[k, field]])));
}

/** Limits shared by the schema, the constructs' validation and the allocator. */
export const INDEX_LIMITS = {
  minShards: 1,
  maxShards: 1000,
  minReplicas: 0,
  maxReplicas: 5,
  maxSettings: SETTINGS_LIMITS.maxTopLevelKeys,
  /** Same as Elasticsearch's default index.mapping.total_fields.limit. */
  maxMappingFields: 1000,
} as const;

export interface QuidditchIndexSpec {
  /** Primary shard count; immutable after creation. */
  shards: number;
  /** Replica copies of every primary. @default 1 */
  replicas?: number;
  /** Index settings, nested or dotted (e.g. refresh_interval: "1s", analysis.analyzer.*); see index-settings.ts. */
  settings?: IndexSettings;
  /** Field mappings. */
  mappings?: { dynamic?: 'true' | 'false' | 'strict' | 'runtime'; properties?: Record<string, Record<string, unknown>> };
}

export const UNASSIGNED_REASONS = ['NodeLeft', 'CopyMissing', 'CopyFailed'] as const;
/** Why a recorded copy does not serve: its node left, or the node no longer holds it, or reported it failed. */
export type CopyUnassignedReason = (typeof UNASSIGNED_REASONS)[number];

export interface ShardAllocationStatus {
  shardId: number;
  nodeId: string;
  primary: boolean;
  state: ShardState;
  /** Set while state is UNASSIGNED. */
  unassignedReason?: CopyUnassignedReason;
  /** When the copy became UNASSIGNED (RFC 3339); a replica of a node that left is replaced once it is older than the delay. */
  unassignedSince?: string;
  /** Why the node reported the copy failed (CopyFailed), as the node said it. */
  message?: string;
  /**
   * Set on the SOURCE of a relocation (state RELOCATING): the node its copy is moving to. The source
   * keeps serving until the target has started (and, for a primary, has been promoted); then it is deleted.
   */
  relocatingTo?: string;
  /** Set on the TARGET of a relocation: the node whose copy it replaces. Cleared once the move completes. */
  relocatingFrom?: string;
}

export interface QuidditchIndexStatus {
  state?: IndexState;
  health?: IndexHealth;
  shardAllocations?: ShardAllocationStatus[];
  conditions?: Condition[];
  observedGeneration?: number;
  /** Documents in the primaries, as their nodes report (absent until every primary reports). */
  docsCount?: number;
  /** Bytes of every copy, as their nodes report (absent until every copy reports). */
  sizeBytes?: number;
}

export interface QuidditchIndex {
  apiVersion: typeof API_GROUP_VERSION;
  kind: 'QuidditchIndex';
  metadata: ObjectMeta;
  spec: QuidditchIndexSpec;
  status?: QuidditchIndexStatus;
}

const L = INDEX_LIMITS;

export const quidditchIndexDefinition: ResourceDefinition = {
  kind: 'QuidditchIndex',
  plural: 'quidditchindices',
  singular: 'quidditchindex',
  shortNames: ['qidx'],
  description:
    'QuidditchIndex declares a search index: how many primary shards it has and how many replicas of each. ' +
    'The operator allocates the shard copies to healthy QuidditchNodes and reports where they live in status.',
  specSchema: {
    type: 'object',
    description: 'The desired shape of the index.',
    required: ['shards'],
    properties: {
      shards: {
        type: 'integer',
        description: `Number of primary shards (${L.minShards}-${L.maxShards}). Immutable: documents are routed by hash modulo this number, so changing it needs a new index and a reindex.`,
        minimum: L.minShards,
        maximum: L.maxShards,
        'x-kubernetes-validations': [
          {
            rule: 'self == oldSelf',
            message: 'shards is immutable: create a new index with the new shard count and reindex into it',
          },
        ],
      },
      replicas: {
        type: 'integer',
        description: `Number of replica copies of every primary shard (${L.minReplicas}-${L.maxReplicas}). Each copy is placed on a different node.`,
        minimum: L.minReplicas,
        maximum: L.maxReplicas,
        default: 1,
      },
      settings: {
        type: 'object',
        description:
          `Index settings as the engine takes them: nested objects (or dotted keys) whose values are strings, numbers, booleans or lists of them, e.g. refresh_interval: "1s", max_result_window: 20000, analysis.analyzer.*. At most ${L.maxSettings} top-level keys, ${SETTINGS_LIMITS.maxDepth} levels and ${SETTINGS_LIMITS.maxBytes} bytes as JSON (the operator refuses the index with Ready=False/InvalidSpec beyond what this schema checks). Dynamic settings changed here reach every existing copy; static ones are refused by the data nodes (condition SettingsApplied=False).`,
        maxProperties: L.maxSettings,
        // Free-form below this level: a structural schema cannot say "a string, a number or an object".
        'x-kubernetes-preserve-unknown-fields': true,
        // CEL sees no undeclared field of a free-form object, so the keys spec owns are declared here,
        // in every spelling, only for the rules below to see (and refuse) them.
        properties: {
          ...specOwnedSettingFields(),
          index: { type: 'object', description: 'Settings under index (same as index.-prefixed keys).', 'x-kubernetes-preserve-unknown-fields': true, properties: specOwnedSettingFields(false) },
        },
        'x-kubernetes-validations': Object.entries(SPEC_OWNED_SETTINGS).map(([key, field]) => ({
          // The shape of the index lives in spec.shards/spec.replicas only: a second place to say it
          // would contradict the first (the operator plans from spec, the copies would say otherwise).
          rule: `!has(self.${key}) && !has(self.index__dot__${key}) && !(has(self.index) && has(self.index.${key}))`,
          message: `${key} cannot be set in spec.settings (bare, index.-prefixed or under index): it is spec.${field}. Remove it from spec.settings and set spec.${field}`,
        })),
      },
      mappings: {
        type: 'object',
        description: 'Field mappings, in the Elasticsearch mapping format.',
        properties: {
          dynamic: {
            type: 'string',
            description: 'How unmapped fields in documents are handled: true, false, strict or runtime.',
            enum: ['true', 'false', 'strict', 'runtime'],
          },
          properties: {
            type: 'object',
            description: `Field name to field mapping (at most ${L.maxMappingFields} fields, like Elasticsearch's index.mapping.total_fields.limit).`,
            maxProperties: L.maxMappingFields,
            additionalProperties: {
              type: 'object',
              description: 'The mapping of one field, e.g. {type: text, analyzer: standard}; free-form.',
              'x-kubernetes-preserve-unknown-fields': true,
            },
          },
        },
      },
    },
  },
  statusSchema: {
    type: 'object',
    description: 'The observed state of the index, written by the operator.',
    properties: {
      state: { type: 'string', description: 'Lifecycle state: CREATING until every shard copy has started, then ACTIVE; DELETING while shards are being removed.', enum: [...INDEX_STATES] },
      health: { type: 'string', description: 'green: every copy started; yellow: every primary started but some replica is not; red: some primary is not started.', enum: [...INDEX_HEALTHS] },
      shardAllocations: {
        type: 'array',
        description: 'Where every shard copy is allocated.',
        maxItems: L.maxShards * (L.maxReplicas + 1),
        items: {
          type: 'object',
          description: 'One copy of one shard on one node.',
          required: ['shardId', 'nodeId', 'primary', 'state'],
          properties: {
            shardId: { type: 'integer', description: 'The shard number, from 0 to shards-1.', minimum: 0 },
            nodeId: { type: 'string', description: 'Name of the QuidditchNode holding this copy.', maxLength: 253 },
            primary: { type: 'boolean', description: 'Whether this copy is the primary.' },
            state: { type: 'string', description: 'INITIALIZING while the data node creates the copy, STARTED once it serves, RELOCATING while it moves, UNASSIGNED while its node is unavailable or no longer holds it.', enum: [...SHARD_STATES] },
            unassignedReason: { type: 'string', description: 'Why an UNASSIGNED copy does not serve: NodeLeft, CopyMissing or CopyFailed.', enum: [...UNASSIGNED_REASONS] },
            unassignedSince: { type: 'string', format: 'date-time', description: 'When the copy became UNASSIGNED.' },
            message: { type: 'string', description: 'What the node reported about a failed copy.', maxLength: 1024 },
            relocatingTo: { type: 'string', description: 'On a RELOCATING copy: the node it moves to. It serves until the copy there has started.', maxLength: 253 },
            relocatingFrom: { type: 'string', description: 'On the new copy of a relocation: the node it moves from. Cleared once the move is complete.', maxLength: 253 },
          },
        },
      },
      conditions: conditionsSchema,
      observedGeneration: { type: 'integer', format: 'int64', description: 'The metadata.generation this status was computed for.', minimum: 0 },
      docsCount: { type: 'integer', format: 'int64', description: 'Documents in the primaries, as their data nodes report them.', minimum: 0 },
      sizeBytes: { type: 'integer', format: 'int64', description: 'Bytes of every copy, as their data nodes report them.', minimum: 0 },
    },
  },
  printerColumns: [
    { name: 'Shards', type: 'integer', jsonPath: '.spec.shards', description: 'Primary shard count' },
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas', description: 'Replicas of every primary' },
    { name: 'State', type: 'string', jsonPath: '.status.state', description: 'Lifecycle state' },
    { name: 'Health', type: 'string', jsonPath: '.status.health', description: 'green, yellow or red' },
    { name: 'Docs', type: 'integer', jsonPath: '.status.docsCount', description: 'Documents in the primaries' },
    { name: 'Size', type: 'integer', jsonPath: '.status.sizeBytes', description: 'Bytes of every copy' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation' },
  ],
};
