/**
 * The files a control plane needs on disk: service-account keys, the admin token file and the
 * kubeconfig. Pure writers, kept apart from process management.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

export const ADMIN_USER = 'quidditch-admin';

export interface ServiceAccountKeys {
  readonly privateKeyPath: string;
  readonly publicKeyPath: string;
}

/** RSA keys kube-apiserver signs and verifies service-account tokens with. */
export function writeServiceAccountKeys(dir: string): ServiceAccountKeys {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const privateKeyPath = join(dir, 'sa.key');
  const publicKeyPath = join(dir, 'sa.pub');
  writeFileSync(privateKeyPath, privateKey, { mode: 0o600 });
  writeFileSync(publicKeyPath, publicKey);
  return { privateKeyPath, publicKeyPath };
}

/**
 * A random bearer token for an admin in system:masters (which RBAC always allows), in the
 * --token-auth-file CSV format: token,user,uid,"group1,group2".
 */
export function writeAdminToken(dir: string): { token: string; path: string } {
  const token = randomBytes(24).toString('hex');
  const path = join(dir, 'tokens.csv');
  writeFileSync(path, `${token},${ADMIN_USER},${ADMIN_USER},"system:masters"\n`, { mode: 0o600 });
  return { token, path };
}

export interface KubeconfigInput {
  readonly server: string;
  readonly caPem: string;
  readonly token: string;
  /** @default "quidditch-test" */
  readonly contextName?: string;
}

/** Renders a kubeconfig with one cluster, one token user and one current context. */
export function renderKubeconfig(input: KubeconfigInput): string {
  const name = input.contextName ?? 'quidditch-test';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: input.server, 'certificate-authority-data': Buffer.from(input.caPem).toString('base64') } }],
    users: [{ name: ADMIN_USER, user: { token: input.token } }],
    contexts: [{ name, context: { cluster: name, user: ADMIN_USER, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  });
}

export function writeKubeconfig(path: string, input: KubeconfigInput): void {
  writeFileSync(path, renderKubeconfig(input), { mode: 0o600 });
}
