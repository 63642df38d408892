import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { withKeepAlive } from '../../../lib/operator/kube/keep-alive';

function kubeConfig(server = 'https://127.0.0.1:6443'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: false }],
    users: [{ name: 'u', token: 'secret' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  return kc;
}

async function agentOf(kc: KubeConfig) {
  const ctx = new RequestContext('https://127.0.0.1:6443/api', HttpMethod.GET);
  await kc.applySecurityAuthentication(ctx);
  return ctx.getAgent() as { keepAlive?: boolean } | undefined;
}

describe('withKeepAlive', () => {
  it('hands every request the same keep-alive agent', async () => {
    const kc = withKeepAlive(kubeConfig());
    const [a, b] = [await agentOf(kc), await agentOf(kc)];
    expect(a).toBeDefined();
    expect(a).toBe(b);
    expect(a?.keepAlive).toBe(true);
  });

  it('is needed: plain client-node 1.4 builds a new agent per request', async () => {
    const kc = kubeConfig();
    expect(await agentOf(kc)).not.toBe(await agentOf(kc));
  });

  it('keeps separate agents for separate servers of one kubeconfig', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'a', server: 'https://127.0.0.1:6443' }, { name: 'b', server: 'https://127.0.0.2:6443' }],
      users: [{ name: 'u', token: 'secret' }],
      contexts: [{ name: 'a', cluster: 'a', user: 'u' }, { name: 'b', cluster: 'b', user: 'u' }],
      currentContext: 'a',
    });
    withKeepAlive(kc);
    const first = await agentOf(kc);
    kc.setCurrentContext('b');
    const second = await agentOf(kc);
    kc.setCurrentContext('a');
    expect(second).not.toBe(first);
    expect(await agentOf(kc)).toBe(first);
  });
});

describe('withKeepAlive with client certificates', () => {
  const withCert = (cert: string) => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', caData: Buffer.from('ca').toString('base64') }],
      users: [{ name: 'u', certData: Buffer.from(cert).toString('base64'), keyData: Buffer.from('key').toString('base64') }],
      contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
      currentContext: 'ctx',
    });
    return kc;
  };

  it('reuses the agent for the same certificate bytes read again, and makes a new one when they change (rotation)', async () => {
    const kc = withKeepAlive(withCert('cert-1'));
    const first = await agentOf(kc);
    expect(await agentOf(kc)).toBe(first);
    kc.users[0] = { ...kc.users[0], certData: Buffer.from('cert-2').toString('base64') };
    const rotated = await agentOf(kc);
    expect(rotated).not.toBe(first);
    expect(await agentOf(kc)).toBe(rotated);
  });
});
