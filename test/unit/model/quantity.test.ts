import { parseQuantity } from '../../../lib/model/quantity';

describe('parseQuantity', () => {
  it.each([
    ['1', 1], ['500m', 0.5], ['1Gi', 2 ** 30], ['100Gi', 100 * 2 ** 30], ['1.5', 1.5], ['2k', 2000], ['1e3', 1000], ['.5', 0.5], ['1Ki', 1024], ['0', 0],
  ])('reads %s as %d', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value);
  });

  it.each(['', 'Gi', '1GB', '1 Gi', '1gi', '1.2.3', 'ten', '1Gi ', '--1'])('rejects %j', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });
});
