/**
 * Pulumi program entry (Pulumi.yaml `main`). Configure with `pulumi config set <key> <value>`;
 * the keys are listed in Pulumi.yaml. Uses the ambient Kubernetes provider (KUBECONFIG / context).
 */
import { quidditchProgram } from '../lib/pulumi/program';

const outputs = quidditchProgram();

export const namespace = outputs.namespace;
export const dataNodeServiceName = outputs.dataNodeServiceName;
export const operatorDeploymentName = outputs.operatorDeploymentName;
export const operatorServiceName = outputs.operatorServiceName;
export const routingEndpoint = outputs.routingEndpoint;
