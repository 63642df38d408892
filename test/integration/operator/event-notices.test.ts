/**
 * Notices (Normal Events that repeat an object's conditions, e.g. a new index became ACTIVE) are
 * shed beyond the recorder's budget and counted; Warnings and other Normal Events are written
 * whatever the budget says. Against the real API server: what lands is what `kubectl describe` shows.
 */
import { EventBudget } from '../../../lib/operator/kube/event-budget';
import { KubeEventRecorder } from '../../../lib/operator/kube/event-recorder';
import { createTestNamespace } from '../../support/kube';
import { Cluster } from './fixtures';

let cluster: Cluster;

beforeAll(async () => {
  cluster = new Cluster(await createTestNamespace('notices'));
}, 60_000);

it('writes notices up to the budget, sheds the rest with a count, and always writes Warnings and other Events', async () => {
  const failed: string[] = [];
  const shed: string[] = [];
  // A budget of one notice that never refills: the second notice is shed.
  const events = new KubeEventRecorder(cluster.kc, 'quidditch-operator-test', (err) => failed.push(String(err)), {
    budget: new EventBudget(1, 0),
    onShed: (reason) => shed.push(reason),
  });
  const index = (name: string) => ({ apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name, namespace: cluster.namespace, uid: `uid-${name}` } });
  events.record(index('a'), 'Normal', 'Active', 'Allocated 1 shards with 1 replicas each; all primaries started; health green.', { notice: true });
  events.record(index('b'), 'Normal', 'Active', 'Allocated 1 shards with 1 replicas each; all primaries started; health green.', { notice: true });
  events.record(index('b'), 'Warning', 'NoEligibleNode', '1 copies cannot be placed (NoEligibleNode).', { notice: true });
  events.record(index('b'), 'Normal', 'ReplicaPromoted', 'Replica of shard 0 on data-1 promoted to primary.');

  const written = await cluster.waitForEvents(undefined, ['Active', 'NoEligibleNode', 'ReplicaPromoted']);
  expect(written.map((e) => `${e.name} ${e.reason}`).sort()).toEqual(['a Active', 'b NoEligibleNode', 'b ReplicaPromoted']);
  expect(shed).toEqual(['Active']);
  expect(failed).toEqual([]);
});
