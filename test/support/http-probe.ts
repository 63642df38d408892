import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface ProbeOptions {
  /** PEM of the CA to trust for https URLs. */
  readonly ca?: string;
  /** Client certificate and key (PEM) to present on https URLs. */
  readonly cert?: string;
  readonly key?: string;
  /** Accept any server certificate, as the kubelet's HTTPS probes do. @default false */
  readonly insecureSkipVerify?: boolean;
  readonly token?: string;
  /** @default 2000 */
  readonly timeoutMs?: number;
}

/** GET `url` once: resolves with the status and body, rejects on connection errors. */
export function probe(url: string, opts: ProbeOptions = {}): Promise<{ status: number; body: string }> {
  const secure = url.startsWith('https:');
  const send = secure ? httpsRequest : httpRequest;
  return new Promise((resolveProbe, reject) => {
    const req = send(
      url,
      {
        method: 'GET',
        timeout: opts.timeoutMs ?? 2000,
        headers: opts.token ? { Authorization: `Bearer ${opts.token}` } : {},
        // agent: false: a fresh connection each time, so a test's certificate is the one presented.
        ...(secure ? { ca: opts.ca, cert: opts.cert, key: opts.key, rejectUnauthorized: !opts.insecureSkipVerify, agent: false } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolveProbe({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${opts.timeoutMs ?? 2000} ms`)));
    req.on('error', reject);
    req.end();
  });
}
