import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { CRD_RETENTION_ANNOTATIONS } from '../../../lib/api/v1/crds';
import { ofKind, synthCluster } from './synth';

const KEEP = {
  'helm.sh/resource-policy': 'keep',
  'argocd.argoproj.io/sync-options': 'Prune=false',
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
};

describe('CRD retention', () => {
  it.each(['k8s', 'raft'] as const)('annotates every CRD of %s mode so Helm, Argo CD and Flux never delete it', (mode) => {
    const crds = ofKind(synthCluster('search', { mode }), 'CustomResourceDefinition');
    expect(crds).toHaveLength(3);
    for (const crd of crds) expect(crd.metadata.annotations).toEqual(KEEP);
  });

  it('annotates the committed crds/*.yaml the same way', () => {
    expect(CRD_RETENTION_ANNOTATIONS).toEqual(KEEP);
    const dir = resolve(__dirname, '..', '..', '..', 'crds');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files).toHaveLength(3);
    for (const f of files) expect((parse(readFileSync(join(dir, f), 'utf8')) as { metadata: { annotations: unknown } }).metadata.annotations).toEqual(KEEP);
  });
});
