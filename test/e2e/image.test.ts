/**
 * The built operator image against the real API server: built by `npm run image` (reused when its
 * content hash matches), run with podman under the exact pod specs the constructs synthesize
 * (args, env, non-root user, read-only root filesystem, dropped capabilities, a real
 * service-account token bound by the constructs' RBAC), with two reference data nodes run from
 * the same image. An index reaches ACTIVE; SIGTERM stops the operator within the grace period and
 * releases the leader Lease.
 *
 * When podman cannot run here the test fails and says how to fix it: an image that was never
 * started is not a tested image.
 */
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesizeClusterManifests } from '../../lib/cdk8s/manifests';
import { version as packageVersion } from '../../package.json';
import { freePort } from '../support/free-port';
import { probe } from '../support/http-probe';
import { createTestNamespace, deleteNamespace, testKubeConfig, waitFor } from '../support/kube';
import { rawRequest } from '../support/raw-request';
import { ManifestObject, ServerSideApplier } from '../support/server-side-apply';
import { TEST_FIELD_MANAGER } from '../support/crds';
import { BuiltImage, buildImage, Container, podman, podmanProblem, removeOrphans } from './podman';
import { PodContext, podmanInvocation, PodSpecJson } from './pod-to-podman';
import { OPERATOR_NODE_FLAGS } from '../../scripts/operator-node-flags';

/** Kubernetes' default terminationGracePeriodSeconds, used when the Deployment sets none. */
const DEFAULT_GRACE_SECONDS = 30;
const DATA_NODES = 2;
const SIM_COMMAND = ['/nodejs/bin/node', '--enable-source-maps', '/app/datanode-sim.js'];
const RESTRICTED = { 'pod-security.kubernetes.io/enforce': 'restricted' };

type Workload = ManifestObject & { spec: { template: { spec: PodSpecJson } } };
interface IndexStatus {
  state?: string;
  health?: string;
  shardAllocations?: Array<{ shardId: number; nodeId: string; primary: boolean; state: string }>;
}

const kc: KubeConfig = testKubeConfig();
const server = new URL(kc.getCurrentCluster()?.server ?? 'https://127.0.0.1');
const work = mkdtempSync(join(tmpdir(), 'quidditch-image-e2e-'));
const containers: Container[] = [];
const clusterScoped: ManifestObject[] = [];
let image: BuiltImage;
let ns: string;
let operatorPod: PodSpecJson;
let leaseName: string;
let operator: Container;
let httpPort: number;
const dataNodeNames: string[] = [];

/** Container logs appended to a failure, so a red test says what the operator did. */
async function explain<T>(what: () => Promise<T>): Promise<T> {
  try {
    return await what();
  } catch (err) {
    const logs = await Promise.all(containers.map(async (c) => `--- ${c.name} ---\n${(await c.logs()).split('\n').slice(-60).join('\n')}`));
    (err as Error).message += `\n\nContainer logs (last lines):\n${logs.join('\n')}`;
    throw err;
  }
}

/** token + ca.crt + namespace, as the kubelet projects them into /var/run/secrets/kubernetes.io/serviceaccount. */
async function serviceAccountDir(serviceAccount: string): Promise<string> {
  const token = await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace: ns,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const dir = join(work, serviceAccount);
  mkdirSync(dir, { mode: 0o755 });
  const caData = kc.getCurrentCluster()?.caData;
  if (!caData) throw new Error('Unable to project a service-account token: the test kubeconfig has no certificate-authority-data.');
  // World-readable inside a private (0700) temp dir: the container's non-root user must read them.
  writeFileSync(join(dir, 'token'), token.status?.token ?? '', { mode: 0o444 });
  writeFileSync(join(dir, 'ca.crt'), Buffer.from(caData, 'base64'), { mode: 0o444 });
  writeFileSync(join(dir, 'namespace'), ns, { mode: 0o444 });
  return dir;
}

function workload(objects: ManifestObject[], kind: string): Workload {
  const found = objects.find((o) => o.kind === kind);
  if (!found) throw new Error(`Unable to find the ${kind} in the synthesized manifests.`);
  return found as Workload;
}

function podContext(podName: string, saDir: string, secretDirs?: Record<string, string>): PodContext {
  return { podName, namespace: ns, serviceAccountDir: saDir, apiServerHost: server.hostname, apiServerPort: Number(server.port || 443), secretDirs };
}

/** What the kubelet projects for a Secret volume: its keys as files (readable by the container's non-root user). */
async function secretDir(name: string): Promise<string> {
  const secret = await waitFor(async () => {
    try {
      return await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name, namespace: ns });
    } catch {
      return undefined;
    }
  }, { timeoutMs: 30_000, description: `Secret ${name} (the operator fills it)` });
  const dir = join(work, `secret-${name}`);
  mkdirSync(dir, { mode: 0o755 });
  for (const [key, value] of Object.entries(secret.data ?? {})) writeFileSync(join(dir, key), Buffer.from(value, 'base64'), { mode: 0o444 });
  return dir;
}

beforeAll(async () => {
  // The build script installs podman where that is unsurprising (root on Debian) and otherwise
  // explains how; the check after it catches a podman that is installed but cannot run here.
  image = await buildImage();
  const problem = await podmanProblem();
  if (problem) throw new Error(`Unable to run the operator image e2e test: ${problem}`);
  await removeOrphans();
  process.stderr.write(`\n[image-e2e] ${image.ref}: image ${(image.sizeBytes / 1e6).toFixed(1)} MB, operator.js ${(image.bundleBytes / 1024 / 1024).toFixed(2)} MiB\n`);

  ns = await createTestNamespace('image-e2e', RESTRICTED);
  const objects = synthesizeClusterManifests({
    namespace: ns,
    mode: 'k8s',
    operator: { image: image.ref, imagePullPolicy: 'Never', replicas: 1 },
    dataNodes: { replicas: DATA_NODES },
    // The data nodes run as host processes with unbound tokens and 127.0.0.1 addresses, not as pods:
    // the policy that binds a node to its pod (tested in test/integration/security) would refuse them.
    security: { nodeAdmissionPolicy: false },
  }) as ManifestObject[];
  // Everything but the CRDs (the global setup installed them): RBAC and ServiceAccounts are what
  // the containers' tokens are bound by; the workloads are stored (no kubelet runs them).
  const applier = new ServerSideApplier(kc, { fieldManager: TEST_FIELD_MANAGER, force: true });
  const toApply = objects.filter((o) => o.kind !== 'CustomResourceDefinition');
  clusterScoped.push(...toApply.filter((o) => !o.metadata.namespace));
  await applier.applyAll(toApply);
  operatorPod = workload(objects, 'Deployment').spec.template.spec;
  const lease = operatorPod.containers[0].args?.find((a) => a.startsWith('--lease-name='));
  if (!lease) throw new Error('Unable to find --lease-name in the operator Deployment args.');
  leaseName = lease.slice('--lease-name='.length);

  httpPort = await freePort();
  const metricsPort = await freePort();
  const operatorSa = await serviceAccountDir(operatorPod.serviceAccountName ?? '');
  const dataPod = workload(objects, 'StatefulSet').spec.template.spec;
  const dataSa = await serviceAccountDir(dataPod.serviceAccountName ?? '');

  // The Deployment's args, plus free ports: on the host network a fixed 8080 could be taken.
  const op = podmanInvocation(operatorPod, 'operator', podContext(`${workload(objects, 'Deployment').metadata.name}-e2e`, operatorSa), {
    extraArgs: [`--http-port=${httpPort}`, `--metrics-port=${metricsPort}`],
  });
  const started = Date.now();
  operator = await Container.start(`${ns}-operator`, op.flags, op.image, op.args);
  containers.push(operator);
  await explain(() =>
    waitFor(async () => (await probe(`https://127.0.0.1:${httpPort}/readyz`, { timeoutMs: 500, insecureSkipVerify: true })).status === 200, {
      description: 'the operator container to answer /readyz with 200',
      timeoutMs: 60_000,
      intervalMs: 50,
    }),
  );
  process.stderr.write(`[image-e2e] container start to /readyz OK: ${Date.now() - started} ms\n`);

  const statefulSet = workload(objects, 'StatefulSet').metadata.name;
  // The data nodes' TLS Secret, which the operator created with its CA (mutual TLS on gRPC).
  const tlsSecret = dataPod.volumes?.find((v) => v.secret)?.secret?.secretName;
  if (!tlsSecret) throw new Error('Unable to find the data nodes\' TLS Secret volume in the StatefulSet.');
  const secretDirs = { [tlsSecret]: await secretDir(tlsSecret) };
  for (let i = 0; i < DATA_NODES; i++) {
    const grpcPort = await freePort();
    dataNodeNames.push(`${statefulSet}-${i}`);
    const sim = podmanInvocation(dataPod, 'datanode', podContext(`${statefulSet}-${i}`, dataSa, secretDirs), {
      image: image.ref,
      command: SIM_COMMAND,
      env: {
        QUIDDITCH_ADVERTISE_ADDRESS: `127.0.0.1:${grpcPort}`,
        QUIDDITCH_GRPC_PORT: String(grpcPort),
        QUIDDITCH_OPERATOR_ADDRESS: `127.0.0.1:${httpPort}`,
      },
    });
    containers.push(await Container.start(`${ns}-data-${i}`, sim.flags, sim.image, sim.args));
  }
}, 20 * 60_000);

afterAll(async () => {
  for (const c of containers) await c.remove();
  for (const obj of clusterScoped) {
    const applier = new ServerSideApplier(kc, { fieldManager: TEST_FIELD_MANAGER });
    await rawRequest(kc, { method: 'DELETE', path: await applier.objectPath(obj) });
  }
  if (ns) await deleteNamespace(ns);
  rmSync(work, { recursive: true, force: true });
});

describe('the operator image', () => {
  it('is labelled with the package version and licence and runs as the numeric non-root user 65532', async () => {
    const config = JSON.parse(await podman(['image', 'inspect', '--format', '{{json .Config}}', image.ref])) as {
      User: string;
      Entrypoint: string[];
      Labels: Record<string, string>;
      ExposedPorts: Record<string, unknown>;
    };
    expect(config.User).toBe('65532:65532');
    expect(config.Entrypoint).toEqual(['/nodejs/bin/node', ...OPERATOR_NODE_FLAGS, '/app/operator.js']);
    expect(config.Labels).toMatchObject({
      'org.opencontainers.image.version': packageVersion,
      'org.opencontainers.image.licenses': 'Apache-2.0',
      'org.opencontainers.image.title': 'quidditch-operator',
    });
    expect(Object.keys(config.ExposedPorts).sort()).toEqual(['8080/tcp', '9090/tcp']);
  });

  it('answers the probes the Deployment declares, on a read-only root filesystem as a non-root user', async () => {
    type HttpGet = { httpGet?: { path: string; scheme?: string } };
    const container = operatorPod.containers[0] as { livenessProbe?: HttpGet; readinessProbe?: HttpGet };
    for (const get of [container.livenessProbe?.httpGet, container.readinessProbe?.httpGet]) {
      // As the kubelet probes: the declared scheme, no server verification, no client certificate.
      expect(get?.scheme).toBe('HTTPS');
      expect((await probe(`https://127.0.0.1:${httpPort}${get?.path}`, { insecureSkipVerify: true })).status).toBe(200);
    }
    const inspect = JSON.parse(await podman(['inspect', '--format', '{{json .HostConfig}}', operator.name])) as { ReadonlyRootfs: boolean };
    expect(inspect.ReadonlyRootfs).toBe(true);
    expect((await podman(['inspect', '--format', '{{.Config.User}}', operator.name])).trim()).toBe('65532:65532');
  });

  it('runs the reference data node from the same image, which registers and heartbeats with its own token', async () => {
    const objects = kc.makeApiClient(CustomObjectsApi);
    const nodes = await explain(() =>
      waitFor(
        async () => {
          const list = (await objects.listNamespacedCustomObject({ group: 'quidditch.io', version: 'v1', namespace: ns, plural: 'quidditchnodes' })) as {
            items: Array<{ metadata: { name: string }; spec: { address: string }; status?: { lastHeartbeat?: string } }>;
          };
          const beating = list.items.filter((n) => n.status?.lastHeartbeat);
          return beating.length === DATA_NODES ? beating : undefined;
        },
        { description: `${DATA_NODES} QuidditchNodes with a heartbeat`, timeoutMs: 60_000, intervalMs: 250 },
      ),
    );
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual(dataNodeNames);
    expect(nodes.every((n) => n.spec.address.startsWith('127.0.0.1:'))).toBe(true);
  });

  it('reconciles a QuidditchIndex to ACTIVE with shards on the data nodes run from the same image', async () => {
    const objects = kc.makeApiClient(CustomObjectsApi);
    const target = { group: 'quidditch.io', version: 'v1', namespace: ns, plural: 'quidditchindices' };
    await objects.createNamespacedCustomObject({
      ...target,
      body: { apiVersion: 'quidditch.io/v1', kind: 'QuidditchIndex', metadata: { name: 'products' }, spec: { shards: 2, replicas: 1 } },
    });
    const status = await explain(() =>
      waitFor(
        async () => {
          const obj = (await objects.getNamespacedCustomObject({ ...target, name: 'products' })) as { status?: IndexStatus };
          return obj.status?.state === 'ACTIVE' ? obj.status : undefined;
        },
        { description: 'index products to become ACTIVE', timeoutMs: 120_000, intervalMs: 250 },
      ),
    );
    const allocations = status.shardAllocations ?? [];
    expect(allocations).toHaveLength(4);
    expect(allocations.every((a) => a.state === 'STARTED')).toBe(true);
    // Both copies of each shard on different nodes, and only on the two sim data nodes.
    for (const shard of [0, 1]) expect(new Set(allocations.filter((a) => a.shardId === shard).map((a) => a.nodeId)).size).toBe(2);
    expect(new Set(allocations.map((a) => a.nodeId)).size).toBe(DATA_NODES);
  }, 180_000);

  it('exits cleanly on SIGTERM within the grace period and releases its Lease', async () => {
    const leases = kc.makeApiClient(CoordinationV1Api);
    const held = await leases.readNamespacedLease({ name: leaseName, namespace: ns });
    expect(held.spec?.holderIdentity).toBeTruthy();
    // podman sends SIGKILL after the grace period, which would show as exit code 137.
    const grace = operatorPod.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    const stopping = Date.now();
    const exitCode = await explain(() => operator.stop(grace));
    process.stderr.write(`[image-e2e] SIGTERM to exit: ${Date.now() - stopping} ms (exit code ${exitCode}, grace ${grace} s)\n`);
    expect(exitCode).toBe(0);
    const released = await leases.readNamespacedLease({ name: leaseName, namespace: ns });
    expect(released.spec?.holderIdentity ?? '').toBe('');
  }, 180_000);
});
