/**
 * One HTTP request to the API server with the kubeconfig's credentials, returning what the typed
 * clients hide: every `Warning` response header, and the body exactly as sent (client-node's
 * serializer drops fields its models do not know, which would hide "unknown field" warnings).
 */
import { KubeConfig } from '@kubernetes/client-node';
import { request, RequestOptions } from 'node:https';

export interface RawResponse {
  readonly status: number;
  /** Every Warning header, one entry each, without the "299 - " code and quotes. */
  readonly warnings: readonly string[];
  readonly body: string;
}

export interface RawRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query, e.g. /api/v1/namespaces?limit=1 */
  readonly path: string;
  readonly body?: string;
  /** @default "application/json" */
  readonly contentType?: string;
}

/** Decodes `299 - "text"` (RFC 7234 warn-code, agent, quoted text) into `text`. */
export function warningText(header: string): string {
  const match = /^\d{3} \S+ "((?:[^"\\]|\\.)*)"/.exec(header);
  return match ? match[1].replace(/\\(.)/g, '$1') : header;
}

export async function rawRequest(kc: KubeConfig, req: RawRequest): Promise<RawResponse> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('Unable to send a request: the kubeconfig has no current cluster. Set current-context.');
  const url = new URL(req.path, cluster.server);
  const opts: RequestOptions = {
    method: req.method,
    headers: { Accept: 'application/json', ...(req.body !== undefined ? { 'Content-Type': req.contentType ?? 'application/json' } : {}) },
  };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolveResponse, reject) => {
    const r = request(url, opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('error', reject);
      res.on('end', () => {
        // rawHeaders keeps repeated headers apart; res.headers would join them with commas,
        // which also appear inside the warning texts.
        const warnings: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          if (res.rawHeaders[i].toLowerCase() === 'warning') warnings.push(warningText(res.rawHeaders[i + 1]));
        }
        resolveResponse({ status: res.statusCode ?? 0, warnings, body });
      });
    });
    r.on('error', reject);
    r.end(req.body);
  });
}
