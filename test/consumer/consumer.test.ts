/**
 * The package as a platform team gets it: `npm pack`, installed into a scratch project that uses
 * older supported peers (constructs 10.4.2, cdk8s 2.70.90, cdk8s-plus-28 2.3.4), CommonJS and
 * `moduleResolution: node10`. The project (test/consumer/project) type-checks under `strict`,
 * synthesizes two clusters and a plain cdk8s-plus Deployment in one chart, runs a Pulumi program
 * under mocks, and imports both entry points from ESM and CommonJS under node16 and bundler
 * resolution. Installs use the npm cache first (`--prefer-offline`), so once warm it needs no network.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const PEERS = { constructs: '10.4.2', cdk8s: '2.70.90', 'cdk8s-plus-28': '2.3.4', '@pulumi/pulumi': '3.248.0', '@pulumi/kubernetes': '4.34.2', '@types/node': '20.19.43' };

const run = (cmd: string, args: string[], cwd: string): string => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });

describe('a platform project that installs the packed package', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'quidditch-consumer-'));
    const tarball = run('npm', ['pack', '--silent', '--pack-destination', dir], root).trim().split('\n').pop()!;
    for (const f of readdirSync(join(__dirname, 'project'))) copyFileSync(join(__dirname, 'project', f), join(dir, f));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({
      name: 'platform', version: '1.0.0', private: true,
      dependencies: { '@quidditch/k8s': `file:./${tarball}`, ...PEERS },
    }, null, 2));
    // --ignore-scripts: @pulumi/kubernetes' install script would fetch the provider plugin; mocks need none.
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], dir);
  }, 600_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs one copy of constructs (the project\'s) and none of the operator runtime', () => {
    const copies = run('npm', ['ls', 'constructs', '--all', '--parseable'], dir).trim().split('\n');
    expect([...new Set(copies)]).toEqual([join(dir, 'node_modules/constructs')]);
    const tree = run('npm', ['ls', '--all', '--parseable'], dir);
    // (@grpc/grpc-js and @grpc/proto-loader are here too, but as @pulumi/pulumi's own dependencies.)
    for (const runtime of ['@kubernetes/client-node', 'pino', 'prom-client']) expect(tree).not.toContain(`node_modules/${runtime}\n`);
  });

  it('type-checks under strict with CommonJS node10, node16 and bundler resolution', () => {
    for (const project of ['tsconfig.json', 'tsconfig.node16.json', 'tsconfig.bundler.json']) {
      expect([project, run('node', [tsc, '-p', project], dir)]).toEqual([project, '']);
    }
  });

  it('synthesizes two clusters and a cdk8s-plus Deployment in one chart', () => {
    const { objects, shapeError } = JSON.parse(run('node', ['dist/chart.js'], dir)) as { objects: string[]; shapeError: string };
    expect(objects.filter((o) => o.startsWith('CustomResourceDefinition/'))).toHaveLength(3);
    expect(objects).toEqual(expect.arrayContaining([
      'Deployment/team-ns/search-operator', 'Deployment/team-ns/logs-operator', 'StatefulSet/team-ns/search-data', 'StatefulSet/team-ns/logs-data',
      'QuidditchIndex/team-ns/products', 'QuidditchIndex/team-ns/events', 'ClusterRole//team-ns.search-operator',
    ]));
    expect(objects.some((o) => o.startsWith('Deployment/team-ns/platform-web'))).toBe(true);
    expect(new Set(objects).size).toBe(objects.length);
    expect(shapeError).toBe('Unable to synthesize QuidditchCluster bad: 1 invalid prop. Fix:\n  - dataNodes.storage = "lots": must be an object like { size: "200Gi" }');
  });

  it('runs the Pulumi program under mocks: CRDs once, unique names', () => {
    const out = JSON.parse(run('node', ['dist/pulumi.js'], dir)) as { registered: string[]; endpoint: string; crdsOwner: string };
    expect(out.registered.filter((r) => r.includes(':CustomResourceDefinition::'))).toHaveLength(3);
    expect(new Set(out.registered).size).toBe(out.registered.length);
    expect(out.registered).toContain('kubernetes:quidditch.io/v1:QuidditchIndex::events');
    expect(out).toMatchObject({ endpoint: 'https://logs-operator.team-ns.svc:8080', crdsOwner: 'search' });
  });

  it('imports both entry points from ESM and CommonJS at run time (and the CRD files through exports)', () => {
    expect(JSON.parse(run('node', ['dist/cjs-check.js'], dir))).toEqual(['function', 'function', true]);
    expect(JSON.parse(run('node', ['dist-node16/esm-check.mjs'], dir))).toEqual(['function', 'function', 'default']);
  });
});
