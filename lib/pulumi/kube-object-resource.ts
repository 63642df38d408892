/**
 * One Kubernetes object of any kind as a Pulumi resource of the Kubernetes provider. This is what
 * `apiextensions.CustomResource` does, with the core group's type token right: the provider names
 * core kinds `kubernetes:core/v1:<Kind>` while their apiVersion is plain `v1`. With the same token
 * as the typed classes, the provider validates and diffs each object against its kind's schema.
 */
import * as pulumi from '@pulumi/pulumi';
import type { KubeObject } from './objects';

/** Version of the @pulumi/kubernetes SDK: the provider plugin version the typed classes request too. */
const PROVIDER_VERSION: string = (require('@pulumi/kubernetes/package.json') as { version: string }).version.replace(/^v/, '');

/** `kubernetes:<group>/<version>:<Kind>`, with `core` for the legacy core group. */
export function typeToken(apiVersion: string, kind: string): string {
  return `kubernetes:${apiVersion.includes('/') ? apiVersion : `core/${apiVersion}`}:${kind}`;
}

/** One Kubernetes object of any kind as a resource of the Kubernetes provider. */
export class KubeObjectResource extends pulumi.CustomResource {
  constructor(name: string, obj: KubeObject, opts?: pulumi.CustomResourceOptions) {
    super(typeToken(obj.apiVersion, obj.kind), name, { ...obj }, pulumi.mergeOptions({ version: PROVIDER_VERSION }, opts));
  }
}
