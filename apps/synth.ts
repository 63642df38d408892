/**
 * Example app and the `cdk8s synth` entry (cdk8s.yaml): one cluster per control-plane mode,
 * written to dist/manifests/ as search.k8s.yaml and search-raft.k8s.yaml.
 */
import { App, Chart } from 'cdk8s';
import { QuidditchCluster } from '../lib';

const app = new App();

// K8s-native mode: CRDs + operator + data nodes, and one index declared in code.
const k8sChart = new Chart(app, 'search', { disableResourceNameHashes: true });
const search = new QuidditchCluster(k8sChart, 'search', { mode: 'k8s', namespace: 'quidditch' });
search.addIndex('products', { shards: 5, replicas: 1 });

// Raft mode: three masters instead of the operator; the CRDs stay (they are the state a migration or rollback needs).
const raftChart = new Chart(app, 'search-raft', { disableResourceNameHashes: true });
new QuidditchCluster(raftChart, 'search-raft', { mode: 'raft', namespace: 'quidditch-raft' });

app.synth();
