import type { QuidditchNode } from '../../../../lib/api/v1';
import { nodeStatus } from '../../../../lib/operator/controllers/node-reconciler';
import { kubernetesNodeToRead, resolveZone, ZONE_CONDITION } from '../../../../lib/operator/controllers/node-zone';
import { candidateNodes } from '../../../../lib/operator/allocation';

const NOW = new Date('2026-01-01T00:00:00Z');
const node = (spec: Partial<QuidditchNode['spec']>, status?: QuidditchNode['status']): QuidditchNode => ({
  apiVersion: 'quidditch.io/v1',
  kind: 'QuidditchNode',
  metadata: { name: 'data-0', namespace: 'ns' },
  spec: { nodeType: 'DATA', address: 'data-0:9303', ...spec },
  status,
});
const healthy = { state: 'HEALTHY' as const, reason: 'HeartbeatFresh' as const, message: 'ok', recheckAfterMs: 1 };
const noMoves = { copies: 0, relocationsIn: 0, relocationsOut: 0, stalledIndices: [] };

describe('resolveZone', () => {
  it('takes the zone label of the Kubernetes node the pod runs on', () => {
    const n = node({ kubernetesNode: 'worker-1' });
    expect(kubernetesNodeToRead(n)).toBe('worker-1');
    expect(resolveZone(n, { kind: 'found', node: 'worker-1', zone: 'eu-1a' })).toEqual({
      zone: 'eu-1a',
      condition: expect.objectContaining({ type: ZONE_CONDITION, status: 'True', reason: 'KubernetesNodeLabel' }),
    });
  });

  it('lets an explicit spec.zone win, without reading the Kubernetes node', () => {
    const n = node({ zone: 'rack-7', kubernetesNode: 'worker-1' });
    expect(kubernetesNodeToRead(n)).toBeUndefined();
    expect(resolveZone(n, undefined)).toEqual({ zone: 'rack-7', condition: expect.objectContaining({ status: 'True', reason: 'SpecZone' }) });
  });

  it('says when the Node has no zone label, and removes the zone', () => {
    expect(resolveZone(node({ kubernetesNode: 'worker-1' }, { zone: 'eu-1a' }), { kind: 'found', node: 'worker-1', zone: undefined })).toEqual({
      zone: undefined,
      condition: expect.objectContaining({ status: 'False', reason: 'NoZoneLabel', message: expect.stringContaining('Kubernetes Node worker-1 has no topology.kubernetes.io/zone label') }),
    });
  });

  it('keeps the last zone while the Node cannot be read, naming the cause and the fix', () => {
    const n = node({ kubernetesNode: 'worker-1' }, { zone: 'eu-1a' });
    expect(resolveZone(n, { kind: 'missing', node: 'worker-1' })).toEqual({
      zone: 'eu-1a', condition: expect.objectContaining({ status: 'False', reason: 'KubernetesNodeNotFound', message: expect.stringContaining('keeps its last zone, eu-1a') }),
    });
    expect(resolveZone(n, { kind: 'failed', node: 'worker-1', code: 403, message: 'forbidden' })).toEqual({
      zone: 'eu-1a', condition: expect.objectContaining({ status: 'False', reason: 'ZoneLookupFailed', message: expect.stringContaining('Grant the operator get on nodes') }),
    });
  });

  it('changes nothing when the answer is about another Kubernetes node (the pod moved since the read)', () => {
    expect(resolveZone(node({ kubernetesNode: 'worker-2' }, { zone: 'eu-1a' }), { kind: 'found', node: 'worker-1', zone: 'eu-1b' })).toBeUndefined();
  });

  it('has no zone and no condition for a node outside Kubernetes without --zone', () => {
    expect(resolveZone(node({}), undefined)).toEqual({ zone: undefined, condition: undefined });
  });
});

describe('nodeStatus with a zone', () => {
  it('writes status.zone and ZoneResolved next to the state', () => {
    const n = node({ kubernetesNode: 'worker-1' });
    const status = nodeStatus(n, healthy, noMoves, NOW, resolveZone(n, { kind: 'found', node: 'worker-1', zone: 'eu-1a' }));
    expect(status.zone).toBe('eu-1a');
    expect(status.conditions?.map((c) => c.type)).toEqual(['Ready', ZONE_CONDITION]);
  });

  it('removes a zone that is gone with null (a merge patch) and drops the condition', () => {
    const n = node({}, { state: 'HEALTHY', zone: 'eu-1a', conditions: [{ type: ZONE_CONDITION, status: 'True', reason: 'SpecZone', message: '', lastTransitionTime: NOW.toISOString() }] });
    const status = nodeStatus(n, healthy, noMoves, NOW, resolveZone(n, undefined)) as unknown as Record<string, unknown>;
    expect(status.zone).toBeNull();
    expect(status.conditions).toEqual([]);
  });

  it('leaves zone and conditions as they are without a resolution', () => {
    const n = node({ kubernetesNode: 'worker-2' }, { state: 'HEALTHY', zone: 'eu-1a', conditions: [] });
    expect(nodeStatus(n, healthy, noMoves, NOW, undefined).zone).toBe('eu-1a');
  });
});

describe('candidateNodes zones', () => {
  it('spreads by spec.zone when set, else by the zone the operator resolved', () => {
    const nodes = [
      node({ zone: 'rack-7' }, { state: 'HEALTHY', zone: 'eu-1a' }),
      { ...node({ kubernetesNode: 'worker-1' }, { state: 'HEALTHY', zone: 'eu-1b' }), metadata: { name: 'data-1', namespace: 'ns' } },
      { ...node({}, { state: 'HEALTHY' }), metadata: { name: 'data-2', namespace: 'ns' } },
    ];
    expect(candidateNodes(nodes, []).map((c) => c.zone)).toEqual(['rack-7', 'eu-1b', undefined]);
  });
});
