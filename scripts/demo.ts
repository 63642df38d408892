/**
 * `npm run demo`: the whole K8s-native control plane on this machine, end to end.
 *   1. a local etcd + kube-apiserver with the CRDs (npm run cluster),
 *   2. three reference data nodes (apps/datanode-sim.ts) that register and heartbeat, and take
 *      2–3 s to start each copy, as real ones do,
 *   3. the operator (apps/operator.ts),
 *   4. the QuidditchIndex declared in apps/synth.ts, applied from the synthesized dist/manifests/search.k8s.yaml,
 * then prints `kubectl get qidx,qnode` and the routing answer once the index is ACTIVE.
 * Stays up until Ctrl-C (explore with the printed KUBECONFIG); `--exit` stops once it has printed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { startLocalCluster } from './cluster';
import { OperatorProcess, SimProcess, stopAll } from '../test/integration/operator/harness';
import { kubectl, waitFor } from '../test/support/kube';

const ROOT = resolve(__dirname, '..');
const SYNTH_OUTPUT = resolve(ROOT, 'dist', 'manifests', 'search.k8s.yaml');

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function main(exitWhenDone: boolean): Promise<void> {
  if (!existsSync(SYNTH_OUTPUT)) {
    say('• synthesizing (npm run synth)…');
    execFileSync('npm', ['run', '--silent', 'synth'], { cwd: ROOT, stdio: 'inherit' });
  }
  const docs = parseAllDocuments(readFileSync(SYNTH_OUTPUT, 'utf8')).map((d) => d.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string } });
  const indices = docs.filter((d) => d?.kind === 'QuidditchIndex');
  if (indices.length === 0) throw new Error(`Unable to run the demo: ${SYNTH_OUTPUT} declares no QuidditchIndex. Run npm run synth.`);
  const namespace = indices[0].metadata?.namespace ?? 'default';

  say('• starting etcd + kube-apiserver…');
  const cluster = await startLocalCluster();
  process.env.QUIDDITCH_TEST_KUBECONFIG = cluster.kubeconfigPath;
  process.env.QUIDDITCH_TEST_KUBECTL = cluster.controlPlane.assets.kubectl;
  const shutdown = async () => {
    await stopAll();
    await cluster.stop();
  };
  process.once('SIGINT', () => void shutdown().then(() => process.exit(0)));
  process.once('SIGTERM', () => void shutdown().then(() => process.exit(0)));
  try {
    await kubectl(['create', 'namespace', namespace]);
    say(`• starting 3 data nodes and the operator in namespace ${namespace}…`);
    // Real data nodes take seconds to open a shard and hold growing data: so do these.
    const realism = ['--start-delay-ms=2000', '--start-jitter-ms=1000', '--ingest-rate=50'];
    await Promise.all(['search-data-0', 'search-data-1', 'search-data-2'].map((name) => SimProcess.start({ name, namespace, heartbeatSeconds: 2, extraArgs: realism })));
    const operator = await OperatorProcess.start({ namespace, podName: 'search-operator-0' });

    say(`• applying ${indices.map((i) => i.metadata?.name).join(', ')} from ${SYNTH_OUTPUT}`);
    const applied = await kubectl(['apply', '--server-side', '-f', '-'], { stdin: indices.map((d) => JSON.stringify(d)).join('\n') });
    if (applied.code !== 0) throw new Error(`kubectl apply failed: ${applied.stderr}`);
    const name = indices[0].metadata?.name ?? '';
    const started = Date.now();
    await waitFor(async () => {
      const r = await kubectl(['get', 'qidx', name, '-n', namespace, '-o', 'jsonpath={.status.state}']);
      return r.stdout === 'ACTIVE';
    }, { timeoutMs: 60_000, intervalMs: 100, description: `${name} to be ACTIVE` });
    say(`• ${name} is ACTIVE after ${Date.now() - started} ms\n`);
    say(`$ kubectl get qidx,qnode -n ${namespace}`);
    say((await kubectl(['get', 'qidx,qnode', '-n', namespace])).stdout);
    say(`$ curl --cacert ca.crt --cert tls.crt --key tls.key ${operator.url(`/v1/namespaces/${namespace}/indices/${name}/routing`)}   # a routing-client certificate of the cluster's CA`);
    say(JSON.stringify(JSON.parse((await operator.get(`/v1/namespaces/${namespace}/indices/${name}/routing`)).body), null, 2));
    if (exitWhenDone) return await shutdown();
    say(`\nexport KUBECONFIG=${cluster.kubeconfigPath}   # explore with kubectl (${cluster.controlPlane.assets.kubectl}); Ctrl-C stops everything`);
  } catch (err) {
    await shutdown();
    throw err;
  }
}

main(process.argv.includes('--exit')).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
