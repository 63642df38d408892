/**
 * The Pulumi program behind Pulumi.yaml (apps/pulumi.ts calls it): one QuidditchCluster
 * configured through `pulumi config`. The integration test runs this same function inline.
 */
import * as pulumi from '@pulumi/pulumi';
import type { ControlPlaneMode } from '../model/props';
import { QuidditchCluster } from './cluster';
import type { QuidditchClusterArgs } from './cluster-plan';
import type { DeletionPropagation } from './objects';

/** Config keys (namespace: the project name, `quidditch`). Defaults are the model's unless noted. */
export const CONFIG_KEYS = [
  'name', 'mode', 'namespace', 'dataNodeReplicas', 'dataNodeImage', 'operatorImage', 'masterImage', 'skipAwait', 'deletionPropagation',
] as const;

/** Reads the program's config into component args; the model validates the values. */
export function clusterArgsFromConfig(cfg: pulumi.Config): { name: string; args: QuidditchClusterArgs } {
  const replicas = cfg.getNumber('dataNodeReplicas');
  const dataNodeImage = cfg.get('dataNodeImage');
  const operatorImage = cfg.get('operatorImage');
  const masterImage = cfg.get('masterImage');
  const propagation = cfg.get('deletionPropagation');
  return {
    name: cfg.get('name') ?? 'quidditch',
    args: {
      mode: cfg.get<ControlPlaneMode>('mode'),
      namespace: cfg.get('namespace'),
      ...(replicas !== undefined || dataNodeImage !== undefined ? { dataNodes: { replicas, image: dataNodeImage } } : {}),
      ...(operatorImage !== undefined ? { operator: { image: operatorImage } } : {}),
      ...(masterImage !== undefined ? { raft: { image: masterImage } } : {}),
      skipAwait: cfg.getBoolean('skipAwait') ?? false,
      ...(propagation !== undefined ? { deletionPropagation: propagation as DeletionPropagation } : {}),
    },
  };
}

export interface ProgramOutputs {
  namespace: pulumi.Output<string>;
  dataNodeServiceName: pulumi.Output<string>;
  operatorDeploymentName: pulumi.Output<string | undefined>;
  operatorServiceName: pulumi.Output<string | undefined>;
  routingEndpoint: pulumi.Output<string>;
}

/** Declares the cluster configured through `pulumi config`. */
export function declareCluster(opts?: pulumi.ComponentResourceOptions): QuidditchCluster {
  const { name, args } = clusterArgsFromConfig(new pulumi.Config());
  return new QuidditchCluster(name, args, opts);
}

/** The stack outputs of a cluster. */
export function programOutputs(cluster: QuidditchCluster): ProgramOutputs {
  return {
    namespace: cluster.namespace,
    dataNodeServiceName: cluster.dataNodeServiceName,
    operatorDeploymentName: cluster.operatorDeploymentName,
    operatorServiceName: cluster.operatorServiceName,
    routingEndpoint: cluster.routingEndpoint,
  };
}

/** The whole program: the configured cluster; the returned outputs become the stack outputs. */
export function quidditchProgram(opts?: pulumi.ComponentResourceOptions): ProgramOutputs {
  return programOutputs(declareCluster(opts));
}
