import type { KubeConfig } from '@kubernetes/client-node';
import type { QuidditchIndex, QuidditchNode, ShardAllocation } from '../api/v1';
import { CLUSTER_LABEL } from '../model/labels';
import type { OperatorConfig } from './config';
import { AllocationLedger } from './controllers/allocation-ledger';
import { AnsweredCreates } from './controllers/answered-creates';
import { CopyOwners } from './controllers/copy-owners';
import { GrpcShardOperations } from './controllers/grpc-shard-operations';
import { IndexReconciler } from './controllers/index-reconciler';
import { NodeReconciler } from './controllers/node-reconciler';
import { MIRROR_INDEX_LABEL } from './controllers/shard-allocation-mirror';
import { ShardAllocationReconciler } from './controllers/shard-allocation-reconciler';
import { UnnamedIndexReconciler } from './controllers/unnamed-index-reconciler';
import { DataNodeClient } from './datanode/client';
import type { ObservedCopies } from './datanode/observed-copies';
import { ShardWatcher } from './datanode/shard-watcher';
import { CustomResourceClient } from './kube/custom-resource-client';
import { KubeEventRecorder, warnOnFailedEvent } from './kube/event-recorder';
import { KubernetesNodeZones } from './kube/node-zones';
import type { Logger } from './logger';
import { OperatorMetrics } from './metrics';
import type { RoutingAccess } from './routing/client-auth';
import { addRoutingRoute } from './routing/routing-api';
import { RoutingTable } from './routing/routing-table';
import { ClusterNodes } from './peers/cluster-nodes';
import { PeerOperators } from './peers/peer-operators';
import { AdaptiveConcurrency } from './runtime/adaptive-concurrency';
import { Controller } from './runtime/controller';
import { Manager, managerOptionsFromConfig } from './runtime/manager';
import { followCertificates } from './tls/https-certificates';
import { startOperatorGrpcSecurity } from './tls/operator-grpc-security';
import { TLS_ROLES } from './tls/tls-roles';
import { objectKey } from './runtime/reconciler';

export const COMPONENT = 'quidditch-operator';

export interface RunningOperator {
  readonly manager: Manager;
  readonly routing: RoutingTable;
  readonly metrics: OperatorMetrics;
  /** What data nodes report holding (empty until this replica leads). */
  readonly observedCopies: ObservedCopies;
  readonly httpPort: number;
  readonly metricsPort: number;
  /** Graceful shutdown: controllers, lease, servers, informers, data-node channels. */
  stop(): Promise<void>;
}

/**
 * The one place the operator is wired (like kubebuilder's main): informers for indices and nodes,
 * the routing table they keep current, the index and node controllers, and the HTTP APIs.
 */
export async function startOperator(config: OperatorConfig, deps: { kubeConfig: KubeConfig; log: Logger; onLeadershipLost: () => void }): Promise<RunningOperator> {
  const { kubeConfig, log } = deps;
  // Certificates first: the routing API serves with the operator's own certificate from its first connection.
  const grpcSecurity = await startOperatorGrpcSecurity(config, { kubeConfig, log });
  const metrics = new OperatorMetrics();
  metrics.collectProcessMetrics(); // process_* and nodejs_* (heap, CPU, event-loop lag) on /metrics
  const manager = new Manager(managerOptionsFromConfig(config, { kubeConfig, log, metrics, onLeadershipLost: deps.onLeadershipLost }));
  // With --cluster-name, another cluster shares the namespace: only the indices labelled for this one.
  const indexSelector = config.clusterName !== undefined ? `${CLUSTER_LABEL}=${config.clusterName}` : undefined;
  const indexInformer = manager.informer<QuidditchIndex>('quidditchindices', indexSelector);
  const allNodes = manager.informer<QuidditchNode>('quidditchnodes');
  // With --cluster-name, another cluster's data nodes (labelled for it) are not this operator's to use or judge.
  const nodeInformer = config.clusterName !== undefined ? new ClusterNodes(allNodes, config.clusterName) : allNodes;
  metrics.observeCaches(indexInformer, nodeInformer); // quidditch_indices / quidditch_nodes, counted at scrape time

  // The routing table and allocation ledger follow the caches on every replica, leader or not.
  const routing = new RoutingTable();
  const ledger = new AllocationLedger();
  const copyOwners = new CopyOwners();
  const trackIndex = (i: QuidditchIndex) => {
    routing.upsertIndex(i);
    copyOwners.track(i);
    ledger.set(i.metadata.namespace ?? '', i.metadata.name ?? '', i.metadata.resourceVersion, i.status?.shardAllocations);
  };
  indexInformer.onAdd(trackIndex);
  indexInformer.onUpdate(trackIndex);
  indexInformer.onDelete((i) => {
    routing.deleteIndex(i.metadata.namespace ?? '', i.metadata.name ?? '');
    ledger.delete(i.metadata.namespace ?? '', i.metadata.name ?? '');
    copyOwners.forget(i.metadata.namespace ?? '', i.metadata.name ?? '');
  });
  nodeInformer.onAdd((n) => routing.upsertNode(n));
  nodeInformer.onUpdate((n) => routing.upsertNode(n));
  nodeInformer.onDelete((n) => routing.deleteNode(n.metadata.namespace ?? '', n.metadata.name ?? ''));

  const dataNodes = new DataNodeClient({ deadlineMs: config.grpcTimeout * 1000, security: grpcSecurity.security });
  const shards = new GrpcShardOperations(dataNodes);
  const events = new KubeEventRecorder(kubeConfig, COMPONENT, warnOnFailedEvent(log, metrics), {
    onShed: (reason) => metrics.eventsShed.inc({ reason }),
  });
  // Index and node reconciles run as many at once as the API server's latency says it absorbs
  // (between --concurrency-min and --concurrency), judged on the round trips of their own writes.
  const concurrencyLimit = (controller: string) => {
    metrics.reconcileConcurrencyLimit.set({ controller }, config.concurrency);
    return new AdaptiveConcurrency({ min: Math.min(config.concurrencyMin, config.concurrency), max: config.concurrency, onChange: (limit) => metrics.reconcileConcurrencyLimit.set({ controller }, limit) });
  };
  const indexLimit = concurrencyLimit('index');
  const nodeLimit = concurrencyLimit('node');
  const observeApi = (ms: number) => {
    indexLimit.observe(ms);
    nodeLimit.observe(ms);
  };
  const indices = new CustomResourceClient<QuidditchIndex>(kubeConfig, 'quidditchindices', observeApi);
  const nodes = new CustomResourceClient<QuidditchNode>(kubeConfig, 'quidditchnodes', observeApi);
  const now = () => new Date();
  // Other clusters' operators in this namespace, seen on their Leases (needs this operator's own Lease).
  const peers = config.leaderElect
    ? new PeerOperators({ kubeConfig, namespace: config.namespace, self: { lease: config.leaseName, cluster: config.clusterName }, retryMs: config.retryPeriod * 1000, log, metrics, events })
    : undefined;
  if (peers) manager.addRunnable(peers);

  let mirrorController: Controller | undefined;
  // Data nodes push every copy's state (WatchShards): the index whose copy started, failed or
  // vanished is reconciled at once, not at the next resync, and nothing polls while nothing changes.
  const shardWatcher = new ShardWatcher({
    streams: dataNodes,
    nodes: nodeInformer,
    log,
    // The index controller is created below; the watcher calls this only once started (on the leader).
    // Nodes name copies by the namespace they were created in: an imported index owns copies named after the old one.
    onChange: (keys) => keys.flatMap((k) => copyOwners.ownersOf(k)).forEach((k) => {
      indexController.enqueue(k);
      mirrorController?.enqueue(k);
    }),
  });
  manager.addRunnable(shardWatcher);
  const indexController = new Controller({
    name: 'index',
    log,
    metrics,
    concurrency: config.concurrency,
    limit: indexLimit,
    reconciler: new IndexReconciler({
      indices, indexCache: indexInformer, nodeCache: nodeInformer, shards, events, ledger, now,
      deleteTimeoutMs: config.deleteTimeout * 1000, nodeLeftDelayMs: config.nodeLeftDelay * 1000, observed: shardWatcher, answered: new AnsweredCreates(),
      relocation: { nodeConcurrent: config.nodeConcurrentRelocations, clusterConcurrent: config.clusterConcurrentRelocations, rebalance: config.rebalance },
      peers, metrics,
    }),
  });
  const requeueIndices = (namespace: string) => indexInformer.list(namespace).forEach((i) => indexController.enqueue(objectKey(i)));
  const nodeController = new Controller({
    name: 'node',
    log,
    metrics,
    concurrency: config.concurrency,
    limit: nodeLimit,
    reconciler: new NodeReconciler({
      nodes, nodeCache: nodeInformer, indices, indexCache: indexInformer, shards, events, now,
      heartbeatTimeoutMs: config.heartbeatTimeout * 1000, metrics, ledger,
      // A data node's zone: the topology.kubernetes.io/zone label of the Kubernetes Node its pod runs on.
      zones: new KubernetesNodeZones(kubeConfig, { ttlMs: config.zoneCacheTtl * 1000 }),
    }),
  });
  indexController.watch(indexInformer);
  nodeController.watch(nodeInformer);
  // Where copies can live changes when a node's state or zone changes (as the cache sees it, so the
  // re-plan reads the new one) or the node object disappears: re-plan every index of its namespace.
  const nodeStates = new Map<string, string>();
  nodeInformer.onUpdate((n) => {
    const key = objectKey(n);
    const placement = JSON.stringify([n.status?.state, n.spec.zone, n.status?.zone]);
    if (nodeStates.get(key) === placement) return;
    nodeStates.set(key, placement);
    requeueIndices(n.metadata.namespace ?? '');
  });
  nodeInformer.onDelete((n) => {
    nodeStates.delete(objectKey(n));
    requeueIndices(n.metadata.namespace ?? '');
  });
  manager.addController(indexController);
  manager.addController(nodeController);
  // The overlap with another operator began or ended: every index is looked at again (refused, or served again).
  peers?.onChange(() => {
    requeueIndices(config.namespace);
    indexInformer.list(config.namespace).forEach((i) => mirrorController?.enqueue(objectKey(i)));
  });
  if (config.clusterName !== undefined) {
    // Indices naming no cluster are served by no operator here: tell their owners (Ready=False, ClusterNotNamed).
    const unnamedInformer = manager.informer<QuidditchIndex>('quidditchindices', `!${CLUSTER_LABEL}`);
    const unnamedController = new Controller({ name: 'unnamed-index', log, metrics, concurrency: 1, reconciler: new UnnamedIndexReconciler({ cache: unnamedInformer, indices, now, peers }) });
    unnamedController.watch(unnamedInformer);
    peers?.onChange(() => unnamedInformer.list(config.namespace).forEach((i) => unnamedController.enqueue(objectKey(i))));
    manager.addController(unnamedController);
  }

  if (config.shardAllocationMirror) {
    const mirrorInformer = manager.informer<ShardAllocation>('shardallocations');
    mirrorController = new Controller({
      name: 'shard-allocation',
      log,
      metrics,
      concurrency: config.concurrency,
      reconciler: new ShardAllocationReconciler({
        indexCache: indexInformer,
        mirrorCache: mirrorInformer,
        mirrors: new CustomResourceClient<ShardAllocation>(kubeConfig, 'shardallocations'),
        observed: shardWatcher,
        peers,
      }),
    });
    mirrorController.watch(indexInformer);
    // A mirror changed or deleted by someone else: reconcile its index, which puts it back.
    mirrorController.watch(mirrorInformer, (m) => {
      const index = m.metadata.labels?.[MIRROR_INDEX_LABEL];
      return index ? [`${m.metadata.namespace}/${index}`] : [];
    });
    manager.addController(mirrorController);
  }

  const security = grpcSecurity.security;
  const serving = security.kind === 'mutual-tls' ? await followCertificates(security.certificates, (context) => manager.http.setSecureContext(context)) : undefined;
  const access: RoutingAccess = security.kind === 'mutual-tls'
    // Data nodes coordinate searches too (they get QUIDDITCH_OPERATOR_ADDRESS) and hold a certificate already.
    ? { kind: 'client-certificate', allowedRoles: [TLS_ROLES.routingClient, TLS_ROLES.dataNode] }
    : { kind: 'unauthenticated' };
  addRoutingRoute(manager.http, routing, metrics, access);
  const { httpPort, metricsPort } = await manager.start();
  return {
    manager,
    routing,
    metrics,
    observedCopies: shardWatcher,
    httpPort,
    metricsPort,
    async stop() {
      await manager.shutdown();
      dataNodes.close();
      serving?.stop();
      grpcSecurity.stop();
    },
  };
}
