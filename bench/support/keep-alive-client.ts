import { Agent, request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/**
 * POSTs JSON to the API server over a pool of keep-alive TLS connections. @kubernetes/client-node
 * 1.4 makes a new https.Agent, and so a new TLS handshake, for every request; this measures what the
 * API server itself accepts when the client does not pay that.
 */
export class KeepAliveClient {
  private constructor(
    private readonly server: string,
    private readonly agent: Agent,
    private readonly headers: Record<string, string>,
  ) {}

  static async create(kc: KubeConfig, maxSockets: number): Promise<KeepAliveClient> {
    const opts: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; headers?: Record<string, string> } = {};
    await kc.applyToHTTPSOptions(opts);
    const server = kc.getCurrentCluster()?.server;
    if (!server) throw new Error('Unable to create a keep-alive client: the kubeconfig has no current cluster. Set current-context.');
    const agent = new Agent({ keepAlive: true, maxSockets, ca: opts.ca, cert: opts.cert, key: opts.key });
    return new KeepAliveClient(server, agent, opts.headers ?? {});
  }

  /** POSTs `body`; rejects unless the server answers 201 Created. */
  post(path: string, body: unknown): Promise<void> {
    return this.send('POST', path, 'application/json', body, 201);
  }

  /** JSON-merge-patches `path` (e.g. a status subresource); rejects unless the server answers 200. */
  mergePatch(path: string, body: unknown): Promise<void> {
    return this.send('PATCH', path, 'application/merge-patch+json', body, 200);
  }

  /** GET path as text (e.g. the API server's /metrics). */
  getText(path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request(`${this.server}${path}`, { method: 'GET', agent: this.agent, headers: this.headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`GET ${path}: HTTP ${res.statusCode} ${text.slice(0, 300)}`))));
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** GET path as bytes (e.g. a gzipped pprof profile); rejects unless the server answers 200. */
  getBuffer(path: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const req = request(`${this.server}${path}`, { method: 'GET', agent: this.agent, headers: this.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`GET ${path}: HTTP ${res.statusCode} ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`))));
      });
      req.on('error', reject);
      req.end();
    });
  }

  private send(method: string, path: string, contentType: string, body: unknown, expected: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request(`${this.server}${path}`, { method, agent: this.agent, headers: { ...this.headers, 'Content-Type': contentType } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => (res.statusCode === expected ? resolve() : reject(new Error(`${method} ${path}: HTTP ${res.statusCode} ${text.slice(0, 300)}`))));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
