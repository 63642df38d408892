/**
 * The subset of the apiextensions.k8s.io/v1 OpenAPI v3 schema we write CRDs in, with the
 * Kubernetes extensions spelled as the API server expects them on the wire.
 */
export interface JSONSchema {
  readonly type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  readonly description?: string;
  readonly format?: string;
  readonly properties?: Readonly<Record<string, JSONSchema>>;
  readonly additionalProperties?: JSONSchema | boolean;
  readonly items?: JSONSchema;
  readonly required?: readonly string[];
  readonly enum?: readonly (string | number | boolean)[];
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly maxProperties?: number;
  readonly pattern?: string;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-int-or-string'?: boolean;
  readonly 'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
  readonly 'x-kubernetes-map-type'?: 'atomic' | 'granular';
  readonly 'x-kubernetes-validations'?: readonly CelRule[];
}

/** A CEL validation rule (`x-kubernetes-validations`). */
export interface CelRule {
  readonly rule: string;
  readonly message: string;
  readonly fieldPath?: string;
  readonly reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** One `additionalPrinterColumns` entry. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description: string;
  readonly priority?: number;
}

/** Everything needed to render one namespaced, v1-only CRD with a status subresource. */
export interface ResourceDefinition {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly description: string;
  readonly specSchema: JSONSchema;
  readonly statusSchema: JSONSchema;
  readonly printerColumns: readonly PrinterColumn[];
}

/** Kubernetes object metadata as the operator reads it (a subset of ObjectMeta). */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
}

/** The standard metav1.Condition. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** The OpenAPI schema of metav1.Condition, as controller-gen emits it. */
export const conditionsSchema: JSONSchema = {
  type: 'array',
  description: 'Standard conditions (Ready, Progressing, Degraded) describing the latest observed state.',
  maxItems: 16,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
  items: {
    type: 'object',
    description: 'One aspect of the current state, in the metav1.Condition format.',
    required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'],
    properties: {
      type: { type: 'string', description: 'Type of condition in CamelCase (Ready, Progressing, Degraded).', maxLength: 316, pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$' },
      status: { type: 'string', description: 'Status of the condition: True, False or Unknown.', enum: ['True', 'False', 'Unknown'] },
      reason: { type: 'string', description: 'Programmatic CamelCase identifier of the reason for the last transition.', minLength: 1, maxLength: 1024, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$' },
      message: { type: 'string', description: 'Human-readable details about the transition, saying what to do next where something is wrong.', maxLength: 32768 },
      lastTransitionTime: { type: 'string', format: 'date-time', description: 'When the condition last changed from one status to another.' },
      observedGeneration: { type: 'integer', format: 'int64', minimum: 0, description: 'The metadata.generation the condition was set for.' },
    },
  },
};

export const API_GROUP = 'quidditch.io';
export const API_VERSION = 'v1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;
export const CATEGORY = 'quidditch';
