import { apiWrites, diffWrites, totalWrites, withoutWrites } from '../../../bench/support/api-writes';

const scrape = (creates: number, statusPatches: number, events: number) => `
# HELP apiserver_request_total [STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.
# TYPE apiserver_request_total counter
apiserver_request_total{code="201",component="apiserver",dry_run="",group="quidditch.io",resource="quidditchindices",scope="resource",subresource="",verb="POST",version="v1"} ${creates}
apiserver_request_total{code="200",component="apiserver",dry_run="",group="quidditch.io",resource="quidditchindices",scope="resource",subresource="status",verb="PATCH",version="v1"} ${statusPatches}
apiserver_request_total{code="409",component="apiserver",dry_run="",group="quidditch.io",resource="quidditchindices",scope="resource",subresource="status",verb="PATCH",version="v1"} 2
apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="events",scope="resource",subresource="",verb="POST",version="v1"} ${events}
apiserver_request_total{code="200",component="apiserver",dry_run="",group="quidditch.io",resource="quidditchindices",scope="namespace",subresource="",verb="WATCH",version="v1"} 7
apiserver_request_total{code="200",component="apiserver",dry_run="",group="quidditch.io",resource="quidditchindices",scope="resource",subresource="",verb="GET",version="v1"} 40
apiserver_request_duration_seconds_count{verb="POST",resource="events"} 99
`;

describe('API writes from apiserver_request_total', () => {
  it('counts writes by verb and resource over every response code, leaving out reads and watches', () => {
    expect(apiWrites(scrape(10, 20, 5))).toEqual({ 'POST quidditchindices': 10, 'PATCH quidditchindices/status': 22, 'POST events': 5 });
  });

  it('takes the difference of two scrapes and subtracts what others wrote', () => {
    const d = diffWrites(apiWrites(scrape(10, 20, 5)), apiWrites(scrape(110, 320, 5)));
    expect(d).toEqual({ 'POST quidditchindices': 100, 'PATCH quidditchindices/status': 300 });
    const operator = withoutWrites(d, { 'POST quidditchindices': 100 });
    expect(operator).toEqual({ 'PATCH quidditchindices/status': 300 });
    expect(totalWrites(operator)).toBe(300);
  });
});
