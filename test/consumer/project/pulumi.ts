// A platform team's Pulumi program, run under Pulumi's mocks: two clusters and an index.
import * as pulumi from '@pulumi/pulumi';

const registered: string[] = [];
void pulumi.runtime.setMocks({
  newResource: (args) => {
    registered.push(`${args.type}::${args.name}`);
    return { id: `${args.name}-id`, state: args.inputs };
  },
  call: (args) => args.inputs,
}, 'platform', 'dev', false);

// Loaded after setMocks, as Pulumi's testing guide says.
const quidditch: typeof import('@quidditch/k8s/pulumi') = require('@quidditch/k8s/pulumi');

const own = { ownIndicesOnly: true };
const a = new quidditch.QuidditchCluster('search', { namespace: 'team-ns', operator: own });
const b = new quidditch.QuidditchCluster('logs', { namespace: 'team-ns', operator: own, dataNodes: { image: pulumi.output('registry.example.com/datanode:1.0.0') } });
const index = new quidditch.QuidditchIndex('events', { cluster: b, shards: 1 });

pulumi.all([a.urn, b.urn, index.urn, b.routingEndpoint, ...Object.values(b.objects).map((o) => o.urn)]).apply(([, , , endpoint]) => {
  // Registrations reach the mock monitor asynchronously; report once everything has.
  setTimeout(() => process.stdout.write(JSON.stringify({ registered, endpoint, crdsOwner: b.crdsOwner })), 100);
});
