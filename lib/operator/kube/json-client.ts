import { request as httpRequest, type Agent as HttpAgent, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/**
 * An API error with the HTTP status in `code` and the server's answer (a Status object when it sent
 * one) in `body`: the shape of client-node's ApiException, so statusCodeOf/isConflict read both.
 */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly body: unknown,
    method: string,
    path: string,
  ) {
    const status = body as { reason?: string; message?: string } | undefined;
    super(`HTTP-Code: ${code}\nMessage: ${method} ${path}: ${status?.reason ?? ''} ${status?.message ?? (typeof body === 'string' ? body.slice(0, 500) : '')}`.trim());
  }
}

/** A request with no answer this long is abandoned (ETIMEDOUT, transient): a hung server must not stall a reconcile. */
const REQUEST_TIMEOUT_MS = 60_000;

/**
 * How long the KubeConfig's credentials are reused before they are read again. client-node re-reads
 * certificate, key and token files on every request (a profiled 0.4 ms of each created index's
 * operator CPU); client-go's cached token source re-reads its file once a minute. A rotated
 * credential is still picked up within this, long before the old one expires.
 */
export const CREDENTIALS_TTL_MS = 5_000;

interface HttpsOptions {
  headers?: OutgoingHttpHeaders;
  agent?: HttpAgent;
  auth?: string;
}

/**
 * JSON over the KubeConfig's connection, without client-node's generated request pipeline. Profiled
 * while creating 1,000 indices, that pipeline (request context, rxjs stub, ObjectSerializer,
 * node-fetch) cost more of the operator's CPU than the reconciles' own logic for the three writes
 * each new index needs. Authentication and TLS still come from the KubeConfig on every request
 * (applyToHTTPSOptions, re-read every few seconds: a rotated token or certificate is picked up), and the agent from its
 * createAgent hook, so withKeepAlive's pooled connections are used.
 */
export class KubeJsonClient {
  private credentials: { at: number; opts: Promise<HttpsOptions> } | undefined;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly now: () => number = Date.now,
    /** Told each answered request's round trip in ms (the adaptive reconcile concurrency reads it). */
    private readonly onRoundTrip?: (ms: number) => void,
  ) {}

  /** The KubeConfig's headers and agent, read at most every CREDENTIALS_TTL_MS (a failed read is not kept). */
  private options(): Promise<HttpsOptions> {
    const t = this.now();
    if (this.credentials && t - this.credentials.at < CREDENTIALS_TTL_MS) return this.credentials.opts;
    const opts: HttpsOptions = {};
    const read = this.kubeConfig.applyToHTTPSOptions(opts).then(() => opts);
    const entry = { at: t, opts: read };
    this.credentials = entry;
    read.catch(() => {
      if (this.credentials === entry) this.credentials = undefined;
    });
    return read;
  }

  /** Sends `body` as JSON (or `contentType`) and resolves with the parsed answer; rejects with KubeApiError on a non-2xx. */
  async request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const server = this.kubeConfig.getCurrentCluster()?.server;
    if (!server) throw new Error('Unable to call the API server: the kubeconfig has no current cluster. Set current-context.');
    const opts = await this.options();
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: OutgoingHttpHeaders = { ...opts.headers, Accept: 'application/json' };
    if (payload !== undefined) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = Buffer.byteLength(payload);
    }
    const url = new URL(`${server.replace(/\/$/, '')}${path}`);
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const sentAt = performance.now();
    return new Promise<T>((resolve, reject) => {
      const req = send(url, { method, agent: opts.agent, headers, auth: opts.auth, timeout: REQUEST_TIMEOUT_MS }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          this.onRoundTrip?.(performance.now() - sentAt);
          const text = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 0;
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON (a proxy's error page): kept as text
          }
          if (code >= 200 && code < 300) return resolve(parsed as T);
          // Credentials the server refuses are read again on the next request, not reused until the TTL ends.
          if (code === 401) this.credentials = undefined;
          reject(new KubeApiError(code, parsed, method, path));
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`ETIMEDOUT: no answer from the API server to ${method} ${path} within ${REQUEST_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(payload);
    });
  }
}
