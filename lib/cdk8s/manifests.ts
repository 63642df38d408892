/**
 * The plain JSON objects of a QuidditchCluster, rendered in memory. The Pulumi component deploys
 * exactly these, so cdk8s and Pulumi users get identical objects.
 */
import { App, Chart } from 'cdk8s';
import type { QuidditchClusterProps } from '../model/props';
import { QuidditchCluster } from './cluster';

/** @throws ValidationError listing every invalid prop */
export function synthesizeClusterManifests(props: QuidditchClusterProps, id = props.name ?? 'quidditch'): object[] {
  const app = new App({ outdir: '.', recordConstructMetadata: false });
  const chart = new Chart(app, 'quidditch', { disableResourceNameHashes: true });
  new QuidditchCluster(chart, id, props);
  return chart.toJson() as object[];
}
