import { listInPages, RawList } from '../../../../lib/operator/runtime/paged-list';

const obj = (name: string) => ({ metadata: { name, managedFields: [{}] } });

describe('listInPages', () => {
  it('asks page after page with the previous continue token and returns one list at the last resourceVersion', async () => {
    const pages: Record<string, RawList> = {
      first: { metadata: { resourceVersion: '7', continue: 't1' }, items: [obj('a'), obj('b')] },
      t1: { metadata: { resourceVersion: '7', continue: 't2' }, items: [obj('c'), obj('d')] },
      t2: { metadata: { resourceVersion: '7', continue: '' }, items: [obj('e')] },
    };
    const asked: Array<{ limit: number; continue?: string }> = [];
    const list = await listInPages(async (p) => (asked.push(p), pages[p.continue ?? 'first']), (o) => ({ metadata: { name: o.metadata?.name } }), 2);
    expect(asked).toEqual([{ limit: 2 }, { limit: 2, continue: 't1' }, { limit: 2, continue: 't2' }]);
    expect(list).toEqual({ metadata: { resourceVersion: '7' }, items: ['a', 'b', 'c', 'd', 'e'].map((name) => ({ metadata: { name } })) });
  });

  it('stops after one page when the server sends no continue token, and passes a failed page on', async () => {
    await expect(listInPages(async () => ({ metadata: { resourceVersion: '3' }, items: [] }), (o) => o)).resolves.toEqual({ metadata: { resourceVersion: '3' }, items: [] });
    await expect(listInPages(async (p) => {
      if (p.continue) throw new Error('410 Gone: continue token expired');
      return { metadata: { resourceVersion: '3', continue: 'x' }, items: [] };
    }, (o) => o)).rejects.toThrow('410 Gone');
  });
});
