import type { V1Lease } from '@kubernetes/client-node';
import { V1MicroTime } from '@kubernetes/client-node';
import {
  clusterOf, INDICES_ANNOTATION, leaseAnnouncement, liveOtherOperators, nextExpiryMs, OperatorScope, overlapFor, overlapIndexMessage, overlaps, scopeOfLease,
} from '../../../../lib/operator/peers/peer-leases';

const NOW = Date.parse('2026-11-30T10:00:00Z');

/** A Lease as an operator of this scope writes it, renewed `ageMs` ago for 15 s. */
function lease(scope: OperatorScope, ageMs = 0, holder = 'pod_1'): V1Lease {
  const { labels, annotations } = leaseAnnouncement(scope);
  return {
    metadata: { name: scope.lease, labels, annotations },
    spec: { holderIdentity: holder, leaseDurationSeconds: 15, renewTime: new V1MicroTime(NOW - ageMs) },
  };
}

const a: OperatorScope = { lease: 'a-operator' };
const b: OperatorScope = { lease: 'b-operator' };
const aScoped: OperatorScope = { lease: 'a-operator', cluster: 'a' };
const bScoped: OperatorScope = { lease: 'b-operator', cluster: 'b' };

describe('an operator Lease', () => {
  it('announces what the operator serves, and reads back as the same scope', () => {
    expect(scopeOfLease(lease(a))).toEqual(a);
    expect(scopeOfLease(lease(bScoped))).toEqual(bScoped);
    expect(lease(bScoped).metadata?.labels).toEqual({ 'app.kubernetes.io/name': 'quidditch', 'app.kubernetes.io/component': 'operator', 'quidditch.io/cluster': 'b' });
  });

  it('counts as serving every index unless it says `labelled` and names a cluster (when in doubt, assume the overlap)', () => {
    const l = lease(bScoped);
    expect(scopeOfLease({ ...l, metadata: { ...l.metadata, annotations: {} } })).toEqual(b);
    expect(scopeOfLease({ ...l, metadata: { ...l.metadata, labels: {}, annotations: { [INDICES_ANNOTATION]: 'labelled' } } })).toEqual(b);
  });
});

describe('live other operators', () => {
  it('are the held, unexpired Leases other than this operator\'s own', () => {
    const leases = [lease(aScoped), lease(bScoped, 14_000), lease({ lease: 'c-operator' }, 16_000), lease({ lease: 'd-operator' }, 0, '')];
    expect(liveOtherOperators(aScoped, leases, NOW)).toEqual([bScoped]);
    expect(liveOtherOperators(aScoped, leases, NOW + 1_001)).toEqual([]); // b expired meanwhile
  });

  it('end when the first of them expires', () => {
    const leases = [lease(aScoped), lease(bScoped, 5_000), lease({ lease: 'c-operator' }, 1_000)];
    expect(nextExpiryMs(leases, new Set(['b-operator', 'c-operator']))).toBe(NOW + 10_000);
    expect(nextExpiryMs(leases, new Set())).toBeUndefined();
  });
});

describe('which indices two operators would both reconcile', () => {
  it('none when both run with different --cluster-name', () => {
    expect(overlaps(aScoped, bScoped)).toBe(false);
    for (const label of ['a', 'b', undefined]) expect(overlapFor(aScoped, [bScoped], label)).toEqual([]);
  });

  it('every index when neither names its cluster', () => {
    expect(overlaps(a, b)).toBe(true);
    for (const label of ['a', 'b', undefined]) expect(overlapFor(a, [b], label)).toEqual([b]);
  });

  it('only the named cluster\'s indices when one of them names it: the other keeps the rest', () => {
    expect(overlaps(a, bScoped)).toBe(true);
    expect(overlapFor(a, [bScoped], 'b')).toEqual([bScoped]);
    expect(overlapFor(a, [bScoped], undefined)).toEqual([]);
    expect(overlapFor(a, [bScoped], 'a')).toEqual([]);
    expect(overlapFor(bScoped, [a], 'b')).toEqual([a]);
    expect(overlapFor(bScoped, [a], undefined)).toEqual([]); // not b's to serve at all
  });
});

describe('the refusal message', () => {
  it('is the same from both operators (so they never flip the condition) and says the fix', () => {
    const fromA = overlapIndexMessage('team', 'logs', [a, bScoped]);
    expect(overlapIndexMessage('team', 'logs', [bScoped, a])).toBe(fromA);
    expect(fromA).toBe(
      'Unable to reconcile QuidditchIndex logs: the operators of clusters "a" (Lease a-operator, serving every index) and ' +
      '"b" (Lease b-operator, serving indices labelled quidditch.io/cluster=b) in namespace team would both reconcile it, so neither does until only one serves it. ' +
      'Set `operator: { ownIndicesOnly: true }` on each of these clusters (their operators then run with --cluster-name) and label every index with the cluster ' +
      'that should serve it (quidditch.io/cluster=<cluster>), or give each cluster its own namespace.',
    );
  });

  it('names a cluster by --cluster-name, else by its Lease without -operator', () => {
    expect([clusterOf(a), clusterOf(bScoped), clusterOf({ lease: 'custom' })]).toEqual(['a', 'b', 'custom']);
  });
});
