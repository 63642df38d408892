import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPERATOR_NODE_FLAGS } from '../../../scripts/operator-node-flags';

describe('the operator image runs node with the measured flags', () => {
  it("has the Containerfile's ENTRYPOINT run the bundle with exactly OPERATOR_NODE_FLAGS (what the scale benchmark measures)", () => {
    const containerfile = readFileSync(join(__dirname, '..', '..', '..', 'Containerfile'), 'utf8');
    const line = containerfile.split('\n').find((l) => l.startsWith('ENTRYPOINT '));
    expect(line).toBeDefined();
    expect(JSON.parse(line!.slice('ENTRYPOINT '.length))).toEqual(['/nodejs/bin/node', ...OPERATOR_NODE_FLAGS, '/app/operator.js']);
  });

  it('bounds garbage without capping the heap (a cap could end the operator with an OOM at scale)', () => {
    expect(OPERATOR_NODE_FLAGS.some((f) => f.startsWith('--max-old-space-size') || f.startsWith('--max-heap-size'))).toBe(false);
  });
});
