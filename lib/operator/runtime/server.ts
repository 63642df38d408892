import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SecureContextOptions, TLSSocket } from 'node:tls';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger';
import type { SyncStatus } from './source';

/** Handles one request whose path matched; `match` holds the regex groups. A throw answers 500. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, match: RegExpExecArray) => void | Promise<void>;

export interface HttpServerOptions {
  /** Address to listen on. @default "0.0.0.0" */
  readonly host?: string;
  /** Port; 0 picks a free one (see port()). */
  readonly port: number;
  readonly log: Logger;
  /** Idle keep-alive connections are kept this long; above common load-balancer idle timeouts. @default 65000 */
  readonly keepAliveTimeoutMs?: number;
  /**
   * Serve HTTPS (TLS 1.2+). Clients may present a certificate — routes decide whether they need
   * one (see clientCertificateVerdict) — but one that does not verify against the CA ends the
   * connection at once, as a mutual-TLS server would. Set the certificates with setSecureContext()
   * before listen(). @default false (plain HTTP)
   */
  readonly https?: boolean;
}

interface Route {
  readonly method: string;
  readonly path: RegExp;
  readonly handler: RouteHandler;
}

/** A small node:http server with regex routes, JSON errors and keep-alive. Listens only on listen(). */
export class HttpServer {
  private readonly routes: Route[] = [];
  private readonly server: Server | HttpsServer;

  constructor(private readonly options: HttpServerOptions) {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    if (options.https) {
      // rejectUnauthorized: false lets a client without a certificate in (the kubelet's probes
      // cannot present one); a certificate that is presented must verify, or nothing is served.
      const https = createHttpsServer({ requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' }, handler);
      https.on('secureConnection', (socket: TLSSocket) => {
        if (!socket.authorized && presentedCertificate(socket.getPeerCertificate())) {
          options.log.debug({ remote: socket.remoteAddress, reason: String(socket.authorizationError) }, 'refused a client certificate that does not verify against the CA');
          socket.destroy();
        }
      });
      this.server = https;
    } else {
      this.server = createServer(handler);
    }
    this.server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 65_000;
    // Must exceed keepAliveTimeout, or Node may cut a reused connection while a request arrives.
    this.server.headersTimeout = this.server.keepAliveTimeout + 1_000;
  }

  /** Routes `method` requests whose path (without query) fully matches pathRegex to handler. First match wins. */
  addRoute(method: string, pathRegex: RegExp, handler: RouteHandler): this {
    const anchored = new RegExp(`^(?:${pathRegex.source})$`, pathRegex.flags.replace('g', ''));
    this.routes.push({ method: method.toUpperCase(), path: anchored, handler });
    return this;
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host ?? '0.0.0.0', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.port();
  }

  /** Replaces the certificate, key and CA of an https server; connections opened afterwards use them. */
  setSecureContext(context: SecureContextOptions): void {
    if (!(this.server instanceof HttpsServer)) throw new Error('setSecureContext needs an https server (HttpServerOptions.https)');
    this.server.setSecureContext({ ...context, minVersion: 'TLSv1.2' });
  }

  /** The bound port (useful with port 0). */
  port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops accepting connections, closes idle keep-alive ones, and waits for open requests to finish. */
  close(): Promise<void> {
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    let pathMatched = false;
    for (const route of this.routes) {
      const match = route.path.exec(path);
      if (!match) continue;
      pathMatched = true;
      if (route.method !== req.method && !(route.method === 'GET' && req.method === 'HEAD')) continue;
      try {
        await route.handler(req, res, match);
      } catch (err) {
        this.options.log.error({ err, method: req.method, path }, 'HTTP handler failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      }
      return;
    }
    if (pathMatched) sendJson(res, 405, { error: `method ${req.method} not allowed on ${path}` });
    else sendJson(res, 404, { error: `no route for ${path}` });
  }
}

/** Whether the client presented a certificate at all (Node gives an empty object when it did not). */
export function presentedCertificate(cert: object | null): boolean {
  return cert !== null && Object.keys(cert).length > 0;
}

/** Writes body as JSON with the given status. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export interface HealthChecks {
  /** Liveness: false makes /healthz answer 503 (the kubelet then restarts the pod). @default always alive */
  readonly alive?: () => boolean;
  /** Readiness: /readyz answers 200 only when every one has synced, else 503 naming those that have not. */
  readonly syncs: () => readonly SyncStatus[];
  /** Extra readiness condition, e.g. false while shutting down. @default always ready */
  readonly accepting?: () => boolean;
}

/** Adds GET /healthz and GET /readyz. */
export function addHealthRoutes(server: HttpServer, checks: HealthChecks): void {
  server.addRoute('GET', /\/healthz/, (_req, res) => {
    if (checks.alive && !checks.alive()) sendText(res, 503, 'not alive\n');
    else sendText(res, 200, 'ok\n');
  });
  server.addRoute('GET', /\/readyz/, (_req, res) => {
    const pending = checks.syncs().filter((s) => !s.hasSynced()).map((s) => s.name);
    if (checks.accepting && !checks.accepting()) sendText(res, 503, 'shutting down\n');
    else if (pending.length > 0) sendText(res, 503, `informers not synced: ${pending.join(', ')}\n`);
    else sendText(res, 200, 'ok\n');
  });
}

/** Adds GET /metrics serving registry in the Prometheus text format. */
export function addMetricsRoute(server: HttpServer, registry: Registry): void {
  server.addRoute('GET', /\/metrics/, async (_req, res) => {
    const body = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}
