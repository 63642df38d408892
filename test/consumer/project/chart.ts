// A platform team's chart: two Quidditch clusters and one plain cdk8s-plus Deployment in one Chart.
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { QuidditchCluster, ValidationError } from '@quidditch/k8s';

const app = new App({ outdir: 'out' });
const chart = new Chart(app, 'platform', { namespace: 'team-ns' });
const search = new QuidditchCluster(chart, 'search', { dataNodes: { replicas: 2, nodeSelector: { pool: 'search' } } });
search.addIndex('products', { shards: 2, replicas: 1 });
const logs = new QuidditchCluster(chart, 'logs', { mode: 'k8s', operator: { priorityClassName: 'platform' } });
logs.addIndex('events', { shards: 1 });
new kplus.Deployment(chart, 'web', { containers: [{ image: 'nginx:1.27', portNumber: 80 }] });

let shapeError = '';
try {
  // A JavaScript or config-file caller passing the wrong shape.
  new QuidditchCluster(chart, 'bad', JSON.parse('{"dataNodes":{"storage":"lots"}}'));
} catch (e) {
  shapeError = e instanceof ValidationError ? e.message : `not a ValidationError: ${String(e)}`;
}

const objects = chart.toJson() as Array<{ kind: string; metadata: { name: string; namespace?: string } }>;
process.stdout.write(JSON.stringify({ objects: objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`), shapeError }));
