import { request } from 'node:http';
import { createLogger } from '../../../../lib/operator/logger';
import { OperatorMetrics } from '../../../../lib/operator/metrics';
import { addHealthRoutes, addMetricsRoute, HttpServer, sendJson } from '../../../../lib/operator/runtime/server';

const log = createLogger({ level: 'silent' });

function call(port: number, method: string, path: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HttpServer', () => {
  let server: HttpServer;
  afterEach(async () => {
    await server.close();
  });

  it('routes by method and full path, passing regex groups to the handler', async () => {
    server = new HttpServer({ host: '127.0.0.1', port: 0, log });
    server.addRoute('GET', /\/v1\/namespaces\/([^/]+)\/indices\/([^/]+)\/routing/, (_req, res, m) => sendJson(res, 200, { ns: m[1], name: m[2] }));
    const port = await server.listen();
    const ok = await call(port, 'GET', '/v1/namespaces/a/indices/b/routing?pretty');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ ns: 'a', name: 'b' });
    expect((await call(port, 'GET', '/v1/namespaces/a/indices/b/routing/extra')).status).toBe(404);
    expect((await call(port, 'POST', '/v1/namespaces/a/indices/b/routing')).status).toBe(405);
  });

  it('answers 500 when a handler throws', async () => {
    server = new HttpServer({ host: '127.0.0.1', port: 0, log });
    server.addRoute('GET', /\/boom/, () => {
      throw new Error('bug');
    });
    const port = await server.listen();
    expect(await call(port, 'GET', '/boom')).toMatchObject({ status: 500, body: '{"error":"internal error"}' });
  });

  it('is not ready until every informer has synced, naming those that have not', async () => {
    const syncs = [{ name: 'quidditchindices', synced: false }, { name: 'quidditchnodes', synced: true }];
    server = new HttpServer({ host: '127.0.0.1', port: 0, log });
    addHealthRoutes(server, { syncs: () => syncs.map((s) => ({ name: s.name, hasSynced: () => s.synced })) });
    const port = await server.listen();
    expect(await call(port, 'GET', '/healthz')).toMatchObject({ status: 200 });
    expect(await call(port, 'GET', '/readyz')).toMatchObject({ status: 503, body: 'informers not synced: quidditchindices\n' });
    syncs[0].synced = true;
    expect(await call(port, 'GET', '/readyz')).toMatchObject({ status: 200, body: 'ok\n' });
  });

  it('is not ready while shutting down', async () => {
    server = new HttpServer({ host: '127.0.0.1', port: 0, log });
    addHealthRoutes(server, { syncs: () => [], accepting: () => false });
    const port = await server.listen();
    expect(await call(port, 'GET', '/readyz')).toMatchObject({ status: 503, body: 'shutting down\n' });
  });

  it('serves the metrics registry in the Prometheus text format', async () => {
    const metrics = new OperatorMetrics();
    metrics.reconcileTotal.inc({ controller: 'index', result: 'done' });
    server = new HttpServer({ host: '127.0.0.1', port: 0, log });
    addMetricsRoute(server, metrics.registry);
    const port = await server.listen();
    const res = await call(port, 'GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('reconcile_total{controller="index",result="done"} 1');
    expect(res.body).toContain('leader_is_leader 0');
  });

  it('keeps connections alive between requests', async () => {
    server = new HttpServer({ host: '127.0.0.1', port: 0, log });
    addHealthRoutes(server, { syncs: () => [] });
    const port = await server.listen();
    const res = await call(port, 'GET', '/healthz');
    expect(res.headers.connection).toBe('keep-alive');
  });
});
