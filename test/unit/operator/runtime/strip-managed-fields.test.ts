import { stripManagedFields } from '../../../../lib/operator/runtime/informer';

describe('stripManagedFields', () => {
  it('drops metadata.managedFields and keeps everything else', () => {
    const obj = { metadata: { name: 'a', resourceVersion: '3', managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': {} } }] }, spec: { shards: 1 } };
    expect(stripManagedFields(obj)).toEqual({ metadata: { name: 'a', resourceVersion: '3' }, spec: { shards: 1 } });
  });

  it("drops kubectl's last-applied-configuration annotation and keeps the other annotations", () => {
    const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';
    const obj = { metadata: { name: 'a', annotations: { [lastApplied]: '{"spec":{"shards":1}}', team: 'search' } }, spec: { shards: 1 } };
    expect(stripManagedFields(obj)).toEqual({ metadata: { name: 'a', annotations: { team: 'search' } }, spec: { shards: 1 } });
    const only = { metadata: { name: 'b', annotations: { [lastApplied]: '{}' } } };
    expect(stripManagedFields(only)).toEqual({ metadata: { name: 'b' } });
  });

  it('leaves objects without metadata alone', () => {
    expect(stripManagedFields(undefined)).toBeUndefined();
    expect(stripManagedFields({ kind: 'Status' })).toEqual({ kind: 'Status' });
  });
});
