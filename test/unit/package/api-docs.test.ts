/** API.md is the generated reference of the public API: current, and every prop documented with its default. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateApiDocs } from '../../../scripts/api-docs';

describe('the API reference', () => {
  const docs = generateApiDocs();

  it('API.md is current (regenerate with `npm run api-docs`)', () => {
    expect(readFileSync(join(__dirname, '../../../API.md'), 'utf8')).toBe(docs.markdown);
  });

  it('documents every prop of every exported props interface, optional ones with @default', () => {
    expect(docs.props.length).toBeGreaterThan(80);
    const undocumented = docs.props.filter((p) => p.description === '' && p.default === undefined).map((p) => `${p.owner}.${p.name}`);
    const noDefault = docs.props.filter((p) => p.optional && p.default === undefined).map((p) => `${p.owner}.${p.name}`);
    expect({ undocumented, noDefault }).toEqual({ undocumented: [], noDefault: [] });
  });

  it('describes every exported construct, component and props interface', () => {
    const undescribed = [...docs.markdown.matchAll(/^### (class|interface) `(\w+)`\n\n\(no description\)/gm)]
      .map((m) => m[2])
      .filter((name) => isPublicSurface(name));
    expect(undescribed).toEqual([]);
  });
});

/** Constructs, components and the props users write (generated API types and resolved models aside). */
function isPublicSurface(name: string): boolean {
  return /^Quidditch(Cluster|Crds|DataNodes|Operator|RaftMasters|Index)(Props|Args|Options)?$|Props$|Settings$|^KubeObjectResource$/.test(name);
}
