/**
 * Installs the committed CRDs (crds/*.yaml) into a control plane and waits until they are served.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { rawRequest } from './raw-request';
import { AppliedObject, ManifestObject, ServerSideApplier } from './server-side-apply';

/**
 * The field manager the test support applies with. The manifests test re-applies the synthesized
 * CRDs with this same manager, so a CRD that synth renders identically is a no-op.
 */
export const TEST_FIELD_MANAGER = 'quidditch-test';

export const CRDS_DIR = resolve(__dirname, '..', '..', 'crds');

/** The CustomResourceDefinitions in crds/, parsed. */
export function loadCrdManifests(dir = CRDS_DIR): ManifestObject[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as ManifestObject))
    .filter((o) => o && o.kind === 'CustomResourceDefinition');
}

/** Server-side applies the CRDs in crds/ and resolves once each is Established and discoverable. */
export async function applyCrds(kc: KubeConfig, opts: { timeoutMs?: number } = {}): Promise<AppliedObject[]> {
  const applier = new ServerSideApplier(kc, { fieldManager: TEST_FIELD_MANAGER });
  const applied = await applier.applyAll(loadCrdManifests());
  await Promise.all(applied.map((a) => waitForCrdEstablished(kc, a.object.metadata.name, opts.timeoutMs ?? 30_000)));
  return applied;
}

interface CrdStatus {
  spec: { group: string; names: { plural: string }; versions: Array<{ name: string; served: boolean }> };
  status?: { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
}

/** Waits for the Established condition, then until discovery lists the resource (clients use discovery). */
export async function waitForCrdEstablished(kc: KubeConfig, name: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'not read yet';
  while (Date.now() < deadline) {
    const res = await rawRequest(kc, { method: 'GET', path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}` });
    if (res.status === 200) {
      const crd = JSON.parse(res.body) as CrdStatus;
      const established = crd.status?.conditions?.find((c) => c.type === 'Established');
      last = JSON.stringify(crd.status?.conditions ?? []);
      if (established?.status === 'True' && (await servedByDiscovery(kc, crd))) return;
    } else {
      last = `HTTP ${res.status}`;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Unable to install CRD ${name}: not Established and discoverable after ${timeoutMs} ms (conditions: ${last}). Check the kube-apiserver log.`);
}

async function servedByDiscovery(kc: KubeConfig, crd: CrdStatus): Promise<boolean> {
  for (const v of crd.spec.versions.filter((x) => x.served)) {
    const res = await rawRequest(kc, { method: 'GET', path: `/apis/${crd.spec.group}/${v.name}` });
    if (res.status !== 200) return false;
    const list = JSON.parse(res.body) as { resources: Array<{ name: string }> };
    if (!list.resources.some((r) => r.name === crd.spec.names.plural)) return false;
  }
  return true;
}
