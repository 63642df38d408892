import { COPY_NAMESPACE_ANNOTATION, COPY_UID_ANNOTATION, QuidditchIndex } from '../../../../lib/api/v1';
import { CopyOwners } from '../../../../lib/operator/controllers/copy-owners';

const index = (namespace: string, name: string, copyNamespace?: string): QuidditchIndex => ({
  apiVersion: 'quidditch.io/v1',
  kind: 'QuidditchIndex',
  metadata: { namespace, name, uid: `uid-${name}`, annotations: copyNamespace ? { [COPY_UID_ANNOTATION]: 'old', [COPY_NAMESPACE_ANNOTATION]: copyNamespace } : {} },
  spec: { shards: 1 },
});

describe('CopyOwners: the indices a data node means when it reports copies of namespace/index', () => {
  it('names the index itself, and every index imported from that namespace', () => {
    const owners = new CopyOwners();
    owners.track(index('dst', 'logs', 'src'));
    owners.track(index('dst', 'metrics'));
    expect(owners.ownersOf('src/logs')).toEqual(['src/logs', 'dst/logs']);
    expect(owners.ownersOf('dst/metrics')).toEqual(['dst/metrics']);
    expect(owners.ownersOf('src/metrics')).toEqual(['src/metrics']);
  });

  it('follows an index that is deleted or loses its copy namespace', () => {
    const owners = new CopyOwners();
    owners.track(index('dst', 'logs', 'src'));
    owners.track(index('dst', 'logs', 'src')); // a second update changes nothing
    owners.track(index('other', 'logs', 'src'));
    expect(owners.ownersOf('src/logs')).toEqual(['src/logs', 'dst/logs', 'other/logs']);
    owners.track(index('other', 'logs'));
    owners.forget('dst', 'logs');
    expect(owners.ownersOf('src/logs')).toEqual(['src/logs']);
  });
});
