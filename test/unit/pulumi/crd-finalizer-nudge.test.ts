import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import { isStalledFinalizer } from '../../integration/pulumi/crd-finalizer-nudge';

const NOW = new Date('2026-12-01T12:00:10Z');

function crd(opts: { deleting?: boolean; finalizer?: boolean; reason?: string; status?: string; since?: string } = {}): V1CustomResourceDefinition {
  return {
    metadata: {
      name: 'shardallocations.quidditch.io',
      deletionTimestamp: opts.deleting === false ? undefined : new Date('2026-12-01T12:00:00Z'),
      finalizers: opts.finalizer === false ? [] : ['customresourcecleanup.apiextensions.k8s.io'],
    },
    spec: { group: 'quidditch.io', names: { kind: 'ShardAllocation', plural: 'shardallocations' }, scope: 'Namespaced', versions: [] },
    status: {
      acceptedNames: { kind: 'ShardAllocation', plural: 'shardallocations' },
      storedVersions: ['v1'],
      conditions: [{
        type: 'Terminating', status: opts.status ?? 'True', reason: opts.reason ?? 'InstanceDeletionFailed',
        message: 'could not list instances: storage is (re)initializing', lastTransitionTime: new Date(opts.since ?? '2026-12-01T12:00:01Z'),
      }],
    },
  };
}

describe('isStalledFinalizer', () => {
  it('is true for a CRD being deleted whose finalizer failed to list its instances a while ago', () => {
    expect(isStalledFinalizer(crd(), NOW)).toBe(true);
  });

  it('leaves the finalizer its own retry: false within 2 s of the failure', () => {
    expect(isStalledFinalizer(crd({ since: '2026-12-01T12:00:09Z' }), NOW)).toBe(false);
  });

  it('is false while the deletion is in progress, for a CRD not being deleted, and once the finalizer is gone', () => {
    expect(isStalledFinalizer(crd({ reason: 'InstanceDeletionInProgress' }), NOW)).toBe(false);
    expect(isStalledFinalizer(crd({ deleting: false }), NOW)).toBe(false);
    expect(isStalledFinalizer(crd({ finalizer: false }), NOW)).toBe(false);
    expect(isStalledFinalizer(crd({ status: 'False' }), NOW)).toBe(false);
  });
});
