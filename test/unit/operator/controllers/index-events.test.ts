import type { QuidditchIndex } from '../../../../lib/api/v1';
import { recordTransitions } from '../../../../lib/operator/controllers/index-events';
import type { EventRecorder } from '../../../../lib/operator/kube/event-recorder';

/** Collects what would be written as Events. */
function recorder(): EventRecorder & { events: { type: string; reason: string; message: string }[] } {
  const events: { type: string; reason: string; message: string }[] = [];
  return { events, record: (_obj, type, reason, message) => void events.push({ type, reason, message }) };
}

const index = (state: 'CREATING' | 'ACTIVE'): QuidditchIndex => ({
  apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name: 'i', namespace: 'ns' },
  spec: { shards: 3, replicas: 1 }, status: { state, health: state === 'ACTIVE' ? 'green' : 'red' },
});
const quiet = { plan: { allocations: [], actions: [], unassigned: [], lost: [], stuck: [], throttled: 0, inFlight: 0 }, drift: { allocations: [], lost: [], adopted: 0 } };

describe('index lifecycle Events', () => {
  it('writes one Active Event naming the shape for an index whose primaries started in its first reconcile', () => {
    const r = recorder();
    recordTransitions(r, index('ACTIVE'), undefined, quiet, []);
    expect(r.events).toEqual([{ type: 'Normal', reason: 'Active', message: 'Allocated 3 shards with 1 replicas each; all primaries started; health green.' }]);
  });

  it('writes Creating for a new index still waiting, then Active when it becomes active', () => {
    const r = recorder();
    recordTransitions(r, index('CREATING'), undefined, quiet, []);
    recordTransitions(r, index('ACTIVE'), 'CREATING', quiet, []);
    expect(r.events.map((e) => `${e.reason}: ${e.message}`)).toEqual([
      'Creating: Allocating 3 shards with 1 replicas each.',
      'Active: All primaries started; health green.',
    ]);
  });

  it('marks only the new-index notices (Creating, Active) as sheddable, never a Warning', () => {
    const notices: string[] = [];
    const r: EventRecorder = { record: (_obj, type, reason, _message, options) => void notices.push(`${type} ${reason} ${options?.notice === true}`) };
    recordTransitions(r, index('CREATING'), undefined, { ...quiet, plan: { ...quiet.plan, unassigned: [{ shardId: 0, primary: false, reason: 'NoHealthyNodes' as const }] } }, []);
    recordTransitions(r, index('ACTIVE'), 'CREATING', quiet, []);
    expect(notices).toEqual(['Normal Creating true', 'Warning NoHealthyNodes false', 'Normal Active true']);
  });

  it('writes nothing for an active index that stays active with nothing to do', () => {
    const r = recorder();
    recordTransitions(r, index('ACTIVE'), 'ACTIVE', quiet, []);
    expect(r.events).toEqual([]);
  });
});
