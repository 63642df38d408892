import type { Agent as HttpAgent } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

type CreateAgent = (cluster: { server?: string; proxyUrl?: string } | null | undefined, options: Record<string, unknown>) => HttpAgent;

/** The settings that make two TLS connections interchangeable. */
const TLS_FIELDS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

/** Equal as TLS material: the same value, or buffers (and lists of them) with the same bytes. */
function sameSetting(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameSetting(x, b[i]));
  return false;
}

/**
 * Makes a KubeConfig reuse keep-alive connections. client-node 1.4 builds a new https.Agent for
 * every request (its private KubeConfig.createAgent), so every API call pays a TCP connect and a TLS
 * handshake: measured here, that was about 30 % of the operator's CPU while creating indices, and it
 * halved the rate the operator could write. This wraps that hook to hand out one keep-alive agent per
 * distinct TLS setting (server, CA, client certificate), so a rotated certificate still gets a fresh
 * agent. Proxied clusters keep client-node's own behaviour. Returns the same KubeConfig.
 *
 * The hook runs on every request with certificates client-node has just re-read (new buffers each
 * time), so the lookup compares bytes (a memcmp of a few KiB) instead of hashing a JSON rendering of
 * them: that hash was 10 % of the operator's CPU per created index.
 */
export function withKeepAlive(kubeConfig: KubeConfig, maxSockets = 64): KubeConfig {
  const target = kubeConfig as unknown as { createAgent?: CreateAgent };
  if (typeof target.createAgent !== 'function') return kubeConfig; // not client-node 1.x's shape: leave it alone
  const original = target.createAgent.bind(kubeConfig);
  // Few entries: one per server and credential in use (a rotation adds one).
  const agents: { server: string | undefined; tls: unknown[]; agent: HttpAgent }[] = [];
  target.createAgent = (cluster, options) => {
    if (cluster?.proxyUrl) return original(cluster, options);
    const tls = TLS_FIELDS.map((f) => options[f]);
    let entry = agents.find((e) => e.server === cluster?.server && e.tls.every((v, i) => sameSetting(v, tls[i])));
    if (!entry) {
      entry = { server: cluster?.server, tls, agent: original(cluster, { ...options, keepAlive: true, maxSockets }) };
      agents.push(entry);
    }
    return entry.agent;
  };
  return kubeConfig;
}
