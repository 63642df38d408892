import { pprofTotals } from '../../../bench/support/apiserver-profile';

describe('pprofTotals', () => {
  it('reads the focused and total seconds of `go tool pprof -top`, in s or ms', () => {
    const out = ['File: kube-apiserver', 'Duration: 61.05s, Total samples = 14.46s (23.69%)', 'Active filters:', '   focus=gcBgMarkWorker',
      'Showing nodes accounting for 1880ms, 13.00% of 14.46s total', '      flat  flat%   sum%        cum   cum%'].join('\n');
    expect(pprofTotals(out)).toEqual({ matched: 1.88, total: 14.46 });
  });

  it('counts 0 for a focus that matched no sample (pprof prints no "Showing nodes" line then)', () => {
    expect(pprofTotals('Duration: 5s, Total samples = 900ms (18%)\n')).toEqual({ matched: 0, total: 0.9 });
  });
});
