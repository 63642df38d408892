import { stripManagedFields } from '../../../../lib/operator/runtime/informer';

describe('stripManagedFields', () => {
  it('drops metadata.managedFields and keeps everything else', () => {
    const obj = { metadata: { name: 'a', resourceVersion: '3', managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': {} } }] }, spec: { shards: 1 } };
    expect(stripManagedFields(obj)).toEqual({ metadata: { name: 'a', resourceVersion: '3' }, spec: { shards: 1 } });
  });

  it('leaves objects without metadata alone', () => {
    expect(stripManagedFields(undefined)).toBeUndefined();
    expect(stripManagedFields({ kind: 'Status' })).toEqual({ kind: 'Status' });
  });
});
