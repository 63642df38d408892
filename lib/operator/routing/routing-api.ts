import type { OperatorMetrics } from '../metrics';
import type { HttpServer } from '../runtime/server';
import { clientCertificateVerdict, clientPeerOf, RoutingAccess } from './client-auth';
import type { RoutingTable } from './routing-table';

export const ROUTING_PATH = /\/v1\/namespaces\/([a-z0-9][-a-z0-9]*)\/indices\/([a-z0-9][-a-z0-9.]*)\/routing/;

/**
 * GET /v1/namespaces/{ns}/indices/{name}/routing: shard → primary + replicas + state, from the cache.
 * 404 (JSON) for an index the cache does not hold. The answer is pre-serialized by the RoutingTable.
 * 401/403 (JSON, naming the rule) for a client `access` does not let in.
 */
export function addRoutingRoute(server: HttpServer, routing: RoutingTable, metrics: OperatorMetrics, access: RoutingAccess): void {
  server.addRoute('GET', ROUTING_PATH, (req, res, match) => {
    const verdict = clientCertificateVerdict(clientPeerOf(req), access);
    if (!verdict.allowed) {
      const body = JSON.stringify({ error: verdict.error });
      res.writeHead(verdict.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      metrics.routingRequests.inc({ code: String(verdict.status) });
      return;
    }
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
