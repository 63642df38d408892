/**
 * QuidditchIndex construct: declare a search index in code. Typed from the generated imports
 * (imports/quidditch-index-quidditch.io.ts) and validated at synth with the same limits as the
 * CRD schema (INDEX_LIMITS), so a bad index fails in `cdk8s synth` rather than at apply.
 *
 * The file is named quidditch-index.ts, not index.ts, so it is never mistaken for a barrel module.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { indexSettingsProblems, type IndexSettings } from '../api/v1/index-settings';
import { INDEX_LIMITS } from '../api/v1/quidditch-index';
import * as imported from '../../imports/quidditch-index-quidditch.io';
import { CLUSTER_LABEL, recommendedLabels } from '../model/labels';
import type { ResolvedCluster } from '../model/resolved';
import { isDns1123Label, isDns1123Subdomain, isInteger, Problems } from '../model/validation';
import { PACKAGE_VERSION } from '../model/version';

/** An index's own props: its spec, name, namespace and labels (QuidditchCluster.addIndex takes these). */
export interface QuidditchIndexOptions {
  /** Primary shards (1-1000). Immutable once created: documents are routed by hash modulo this number. */
  readonly shards: number;
  /** Replica copies of every primary shard (0-5), each on a different node. @default 1 (the CRD's default) */
  readonly replicas?: number;
  /**
   * Index settings as the engine takes them, nested or dotted: strings, numbers, booleans, lists of
   * them, objects of settings — e.g. `{ refresh_interval: '1s', max_result_window: 20000, analysis: { analyzer: { … } } }`
   * (at most 128 top-level keys, 8 levels, 64 KiB as JSON; not number_of_shards/number_of_replicas,
   * which `shards`/`replicas` say). @default none
   */
  readonly settings?: IndexSettings;
  /** Field mappings, in the Elasticsearch mapping format. @default none (dynamic mapping) */
  readonly mappings?: imported.QuidditchIndexSpecMappings;
  /** Index (object) name: a DNS-1123 subdomain. @default the construct id */
  readonly name?: string;
  /** @default the cluster's namespace; without a cluster, the Chart's (or none: the namespace kubectl applies to) */
  readonly namespace?: string;
  /** Extra labels. @default none */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Props of the QuidditchIndex construct: the index's own props and, optionally, the cluster serving it. */
export interface QuidditchIndexProps extends QuidditchIndexOptions {
  /** Cluster the index is served by: supplies namespace, labels and `quidditch.io/cluster`. @default none */
  readonly cluster?: ResolvedCluster;
}

/** Validates index props against INDEX_LIMITS; throws once with every problem. */
export function validateIndexProps(name: string, props: QuidditchIndexProps): void {
  const L = INDEX_LIMITS;
  const p = new Problems();
  p.check(isDns1123Subdomain(name), 'name', name, 'must be a DNS-1123 subdomain (lowercase letters, digits, \'-\' and \'.\')');
  if (props.namespace !== undefined) p.check(isDns1123Label(props.namespace), 'namespace', props.namespace, 'must be a DNS-1123 label');
  p.check(isInteger(props.shards) && props.shards >= L.minShards && props.shards <= L.maxShards, 'shards', props.shards, `must be an integer from ${L.minShards} to ${L.maxShards}`);
  if (props.replicas !== undefined) {
    p.check(isInteger(props.replicas) && props.replicas >= L.minReplicas && props.replicas <= L.maxReplicas, 'replicas', props.replicas, `must be an integer from ${L.minReplicas} to ${L.maxReplicas}`);
  }
  for (const problem of indexSettingsProblems(props.settings, 'settings')) p.add(problem.path, problem.value, problem.rule);
  const fields = Object.keys(props.mappings?.properties ?? {}).length;
  p.check(fields <= L.maxMappingFields, 'mappings.properties', `${fields} fields`, `must have at most ${L.maxMappingFields} fields`);
  p.throwIfAny('QuidditchIndex', name);
}

/** A QuidditchIndex custom resource declared in code, validated at synth with the CRD's limits. */
export class QuidditchIndex extends Construct {
  readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: QuidditchIndexProps) {
    super(scope, id);
    const name = props.name ?? id;
    validateIndexProps(name, props);
    const namespace = props.namespace ?? props.cluster?.namespace;
    const labels = props.cluster
      ? { ...recommendedLabels(props.cluster.name, 'index', props.cluster.version, { ...props.cluster.labels, ...props.labels }), [CLUSTER_LABEL]: props.cluster.name }
      : recommendedLabels(name, 'index', PACKAGE_VERSION, props.labels);
    const { shards, replicas, settings, mappings } = props;
    // A plain ApiObject, not the imported class: settings are free-form, and the imported toJson keeps
    // only the keys the CRD declares (those its CEL rules refuse), dropping every real setting.
    this.apiObject = new ApiObject(this, 'Resource', {
      ...imported.QuidditchIndex.GVK,
      metadata: { name, ...(namespace !== undefined ? { namespace } : {}), labels },
      spec: { shards, replicas, ...(settings !== undefined ? { settings } : {}), ...(mappings !== undefined ? { mappings: imported.toJson_QuidditchIndexSpecMappings(mappings) } : {}) },
    });
  }
}
