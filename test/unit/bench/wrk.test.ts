import { parseWrkDuration, parseWrkOutput, pathCycleScript } from '../../../bench/support/wrk';

// A real wrk 4.1.0 report (`wrk -t1 -c8 -d1s --latency -s paths.lua`, half the paths answering 404).
const REPORT = `Running 1s test @ http://127.0.0.1:18080
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.84ms    9.15ms  91.11ms   93.88%
    Req/Sec     7.47k     5.00k   13.29k    50.00%
  Latency Distribution
     50%  514.00us
     75%    3.62ms
     90%    9.35ms
     99%   55.62ms
  7531 requests in 1.04s, 0.98MB read
  Non-2xx or 3xx responses: 3766
Requests/sec:   7215.74
Transfer/sec:      0.94MB
`;

describe('wrk report', () => {
  it('reads the rate, the request count, p50/p99 in ms and the non-2xx count', () => {
    expect(parseWrkOutput(REPORT)).toEqual({ requestsPerSecond: 7215.74, requests: 7531, latencyMs: { p50: 0.514, p99: 55.62 }, non2xx: 3766, socketErrors: 0 });
  });

  it('sums the socket errors when wrk reports them', () => {
    const withErrors = REPORT.replace('  Non-2xx', '  Socket errors: connect 1, read 2, write 3, timeout 4\n  Non-2xx');
    expect(parseWrkOutput(withErrors).socketErrors).toBe(10);
  });

  it('refuses a report without a rate rather than reading zero', () => {
    expect(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused')).toThrow(/Unable to read wrk's report/);
  });

  it('converts each unit wrk prints', () => {
    expect(parseWrkDuration('812.00us')).toBeCloseTo(0.812);
    expect(parseWrkDuration('1.20ms')).toBe(1.2);
    expect(parseWrkDuration('2.01s')).toBeCloseTo(2010);
    expect(() => parseWrkDuration('fast')).toThrow(/Unable to read wrk duration/);
  });

  it('writes a Lua script that cycles over the paths, quoted', () => {
    const lua = pathCycleScript(['/v1/a', '/v1/"b"']);
    expect(lua).toContain('local paths = { "/v1/a", "/v1/\\"b\\"" }');
    expect(lua).toContain('i = i % #paths + 1');
  });
});
