/**
 * Server-side apply of plain manifest objects, reporting the server's warnings per object.
 *
 *   const applier = new ServerSideApplier(kc, { fieldManager: 'quidditch-test' });
 *   const { object, warnings } = await applier.apply(manifest);
 */
import { KubeConfig } from '@kubernetes/client-node';
import { rawRequest } from './raw-request';

/** The parts of a manifest needed to address it. */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name?: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

export interface AppliedObject {
  /** The object as stored, as the server returned it. */
  readonly object: ManifestObject & { metadata: { resourceVersion: string; name: string; uid: string } };
  readonly warnings: readonly string[];
}

export interface ApplyOptions {
  /** Field manager recorded in managedFields. */
  readonly fieldManager: string;
  /** Take ownership of fields other managers own. @default true */
  readonly force?: boolean;
}

interface ApiResource {
  readonly plural: string;
  readonly namespaced: boolean;
}

/** A label for messages: Kind namespace/name. */
export function describeObject(obj: ManifestObject): string {
  return `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name ?? '(unnamed)'}`;
}

export class ServerSideApplier {
  private readonly discovery = new Map<string, Promise<Map<string, ApiResource>>>();

  constructor(
    private readonly kc: KubeConfig,
    private readonly opts: ApplyOptions,
  ) {}

  /** Applies one object (PATCH application/apply-patch+yaml). Throws with the server's message when rejected. */
  async apply(obj: ManifestObject): Promise<AppliedObject> {
    const path = await this.objectPath(obj);
    const query = new URLSearchParams({ fieldManager: this.opts.fieldManager, force: String(this.opts.force ?? true) });
    // JSON is YAML, and sending the manifest's own bytes keeps every field visible to the server.
    const res = await rawRequest(this.kc, { method: 'PATCH', path: `${path}?${query.toString()}`, body: JSON.stringify(obj), contentType: 'application/apply-patch+yaml' });
    if (res.status < 200 || res.status > 299) {
      throw new Error(`Unable to apply ${describeObject(obj)}: the server answered HTTP ${res.status}: ${statusMessage(res.body)}`);
    }
    return { object: JSON.parse(res.body), warnings: res.warnings };
  }

  /** Applies objects in order (CRDs and namespaces first is the caller's job). */
  async applyAll(objects: readonly ManifestObject[]): Promise<AppliedObject[]> {
    const applied: AppliedObject[] = [];
    for (const obj of objects) applied.push(await this.apply(obj));
    return applied;
  }

  /** The REST path of a named object, from API discovery (cached per group/version). */
  async objectPath(obj: ManifestObject): Promise<string> {
    const name = obj.metadata.name;
    if (!name) throw new Error(`Unable to apply ${obj.kind}: metadata.name is required. Give every manifest object a name.`);
    const resource = (await this.resources(obj.apiVersion)).get(obj.kind);
    if (!resource) {
      throw new Error(`Unable to apply ${describeObject(obj)}: the server does not serve kind ${obj.kind} in ${obj.apiVersion}. Apply its CRD first or fix apiVersion/kind.`);
    }
    const base = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
    if (!resource.namespaced) return `${base}/${resource.plural}/${encodeURIComponent(name)}`;
    const ns = obj.metadata.namespace;
    if (!ns) throw new Error(`Unable to apply ${describeObject(obj)}: ${obj.kind} is namespaced but metadata.namespace is empty. Set the namespace.`);
    return `${base}/namespaces/${encodeURIComponent(ns)}/${resource.plural}/${encodeURIComponent(name)}`;
  }

  private resources(apiVersion: string): Promise<Map<string, ApiResource>> {
    let cached = this.discovery.get(apiVersion);
    if (!cached) {
      cached = this.discover(apiVersion);
      // A CRD applied a moment ago may not be discoverable yet: do not cache failures.
      cached.catch(() => this.discovery.delete(apiVersion));
      this.discovery.set(apiVersion, cached);
    }
    return cached;
  }

  private async discover(apiVersion: string): Promise<Map<string, ApiResource>> {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const res = await rawRequest(this.kc, { method: 'GET', path });
    if (res.status !== 200) throw new Error(`Unable to discover ${apiVersion}: HTTP ${res.status}: ${statusMessage(res.body)}`);
    const list = JSON.parse(res.body) as { resources: Array<{ name: string; kind: string; namespaced: boolean }> };
    const byKind = new Map<string, ApiResource>();
    for (const r of list.resources) {
      if (!r.name.includes('/')) byKind.set(r.kind, { plural: r.name, namespaced: r.namespaced });
    }
    return byKind;
  }
}

/** The message of a metav1.Status body, or the raw body. */
export function statusMessage(body: string): string {
  try {
    const status = JSON.parse(body) as { message?: string };
    return status.message ?? body;
  } catch {
    return body;
  }
}
