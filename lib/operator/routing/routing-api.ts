import type { OperatorMetrics } from '../metrics';
import type { HttpServer } from '../runtime/server';
import type { RoutingTable } from './routing-table';

export const ROUTING_PATH = /\/v1\/namespaces\/([a-z0-9][-a-z0-9]*)\/indices\/([a-z0-9][-a-z0-9.]*)\/routing/;

/**
 * GET /v1/namespaces/{ns}/indices/{name}/routing: shard → primary + replicas + state, from the cache.
 * 404 (JSON) for an index the cache does not hold. The answer is pre-serialized by the RoutingTable.
 */
export function addRoutingRoute(server: HttpServer, routing: RoutingTable, metrics: OperatorMetrics): void {
  server.addRoute('GET', ROUTING_PATH, (_req, res, match) => {
    const json = routing.lookupJson(match[1], match[2]);
    if (json === undefined) {
      const body = JSON.stringify({ error: `QuidditchIndex ${match[1]}/${match[2]} is not known to this operator's cache.` });
      res.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      metrics.routingRequests.inc({ code: '404' });
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
    metrics.routingRequests.inc({ code: '200' });
  });
}
