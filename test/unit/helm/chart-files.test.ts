/**
 * The generated chart's files without helm: defaults that mean the model's defaults, values.yaml
 * and values.schema.json describing the same keys, Chart.yaml at the package version, CRDs in crds/.
 * (helm itself renders and installs it in test/integration/helm.)
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { version } from '../../../package.json';
import { resolveCluster } from '../../../lib/model/resolve';
import { defaultValues } from '../../../scripts/helm/default-values';
import { writeChart } from '../../../scripts/helm/generate';
import { valuesToProps } from '../../../scripts/helm/values-to-props';

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; additionalProperties?: unknown; description?: string };

/** Every key path of a values tree, down to the schema's leaves (maps and lists of the user's are leaves). */
function keyPaths(values: Record<string, unknown>, schema: Schema, prefix = ''): string[] {
  return Object.entries(values).flatMap(([k, v]) => {
    const sub = schema.properties?.[k];
    const path = `${prefix}${k}`;
    if (sub?.properties && v !== null && typeof v === 'object' && !Array.isArray(v)) return [path, ...keyPaths(v as Record<string, unknown>, sub, `${path}.`)];
    return [path];
  });
}
function schemaPaths(schema: Schema, prefix = ''): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([k, sub]) => [`${prefix}${k}`, ...schemaPaths(sub, `${prefix}${k}.`)]);
}

describe('the chart\'s values', () => {
  it('default to exactly the constructs\' defaults', () => {
    expect(resolveCluster('quidditch', valuesToProps(defaultValues(), { name: 'quidditch', namespace: 'default' })))
      .toEqual(resolveCluster('quidditch', {}));
  });

  it('refuse a mode whose control plane is disabled, like the chart', () => {
    const v = defaultValues();
    v.controlPlane.raft!.enabled = false;
    v.controlPlane.mode = 'raft';
    expect(() => valuesToProps(v, { name: 'q', namespace: 'default' })).toThrow('controlPlane.raft.enabled = false: mode raft runs this control plane');
  });

  it('map Kubernetes-style resources and empty "unset" values onto the props', () => {
    const v = defaultValues();
    v.dataNodes.resources = { requests: { cpu: '4', memory: '16Gi' }, limits: { cpu: '', memory: '32Gi' } };
    v.dataNodes = { ...v.dataNodes, storage: { size: '1Ti', storageClassName: '' } };
    v.controlPlane.mode = 'auto';
    const props = valuesToProps(v, { name: 'search', namespace: 'prod' });
    expect(props.dataNodes?.resources).toEqual({ cpuRequest: '4', memoryRequest: '16Gi', memoryLimit: '32Gi' });
    expect(props.dataNodes?.storage).toEqual({ size: '1Ti' });
    expect(props).toMatchObject({ mode: 'auto', name: 'search', namespace: 'prod' });
    expect(props.dataNodes).not.toHaveProperty('command');
  });
});

describe('the generated chart files', () => {
  let dir: string;
  beforeAll(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'quidditch-chart-unit-')), 'quidditch');
    writeChart(dir);
  });

  it('Chart.yaml carries the package version', () => {
    expect(parse(readFileSync(join(dir, 'Chart.yaml'), 'utf8'))).toMatchObject({ apiVersion: 'v2', name: 'quidditch', version, appVersion: version });
  });

  it('values.yaml holds the default values, and the schema describes exactly its keys, each with a description', () => {
    const values = parse(readFileSync(join(dir, 'values.yaml'), 'utf8'));
    expect(values).toEqual(JSON.parse(JSON.stringify(defaultValues())));
    const schema = JSON.parse(readFileSync(join(dir, 'values.schema.json'), 'utf8')) as Schema;
    const undocumented = schemaPaths(schema).filter((p) => !p.split('.').reduce<Schema | undefined>((s, k) => s?.properties?.[k], schema)?.description && !/\.(requests|limits)$/.test(p));
    expect(undocumented).toEqual([]);
    // A map the user fills (affinity: {}) has a schema for its fields but no keys in values.yaml.
    const underEmptyMap = (p: string) => p.split('.').slice(0, -1).some((_, i, parts) => {
      const v = parts.slice(0, i + 1).reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], values);
      return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0;
    });
    expect(keyPaths(values, schema).sort()).toEqual(schemaPaths(schema).filter((p) => !underEmptyMap(p)).sort());
  });

  it('values.yaml comments every key', () => {
    const lines = readFileSync(join(dir, 'values.yaml'), 'utf8').split('\n');
    const uncommented = lines
      .map((line, i) => ({ line, before: lines[i - 1] ?? '' }))
      .filter(({ line, before }) => /^\s*[A-Za-z]+:/.test(line) && !/^\s*(requests|limits):/.test(line) && !before.trim().startsWith('#'));
    expect(uncommented.map(({ line }) => line)).toEqual([]);
  });

  it('puts the three CRDs in crds/, kept by Helm', () => {
    const files = readdirSync(join(dir, 'crds')).sort();
    expect(files).toEqual(['quidditchindices.quidditch.io.yaml', 'quidditchnodes.quidditch.io.yaml', 'shardallocations.quidditch.io.yaml']);
    for (const f of files) {
      expect(parse(readFileSync(join(dir, 'crds', f), 'utf8')).metadata.annotations['helm.sh/resource-policy']).toBe('keep');
    }
  });

  it('has one template per object, NOTES.txt and the value checks', () => {
    const templates = readdirSync(join(dir, 'templates'));
    expect(templates).toEqual(expect.arrayContaining(['NOTES.txt', '_helpers.tpl', 'validate.yaml', 'operator-deployment.yaml', 'data-stateful-set.yaml', 'master-stateful-set.yaml']));
  });
});
