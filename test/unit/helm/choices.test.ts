/**
 * The chart generator's line merge (scripts/helm/choices.ts): only the lines an alternative changes
 * go under its condition, templatizer blocks stay whole, and changes it could not combine stop it.
 * Also the security values' mapping onto the props (scripts/helm/values-to-props.ts).
 */
import { either, mergeChoices, reduceCombinations, units } from '../../../scripts/helm/choices';
import { valuesToProps } from '../../../scripts/helm/values-to-props';

const lines = (...l: string[]) => l.join('\n');

describe('mergeChoices', () => {
  const base = lines('a: 1', 'list:', '  - x', '  - y', 'z: 2');

  it('puts only the changed lines under the alternative, the defaults\' lines in its else', () => {
    const merged = mergeChoices('k', base, [[{ cond: '.Values.p', text: lines('a: 1', 'list:', '  - x', '  - q', 'z: 2') }]]);
    expect(merged).toBe(lines('a: 1', 'list:', '  - x', '  {{- if .Values.p }}', '  - q', '  {{- else }}', '  - y', '  {{- end }}', 'z: 2'));
  });

  it('keeps lines an alternative removes unless it applies', () => {
    const merged = mergeChoices('k', base, [[{ cond: 'not .Values.e', text: lines('a: 1', 'list:', '  - x', 'z: 2') }]]);
    expect(merged).toBe(lines('a: 1', 'list:', '  - x', '  {{- if .Values.e }}', '  - y', '  {{- end }}', 'z: 2'));
  });

  it('gives alternatives of one choice if / else if, and alternatives rendering the same lines one branch', () => {
    const merged = mergeChoices('k', base, [[
      { cond: '.Values.plain', text: lines('a: 3', 'list:', '  - x', '  - y', 'z: 2') },
      { cond: 'and .Values.cm .Values.ref', text: lines('a: 4', 'list:', '  - x', '  - y', 'z: 2') },
      { cond: 'and .Values.cm (not .Values.ref)', text: lines('a: 4', 'list:', '  - x', '  - y', 'z: 2') },
    ]]);
    expect(merged.split('\n').slice(0, 7)).toEqual(['{{- if .Values.plain }}', 'a: 3', '{{- else if .Values.cm }}', 'a: 4', '{{- else }}', 'a: 1', '{{- end }}']);
  });

  it('combines choices that change different lines', () => {
    const merged = mergeChoices('k', base, [
      [{ cond: '.Values.a', text: lines('a: 9', 'list:', '  - x', '  - y', 'z: 2') }],
      [{ cond: '.Values.z', text: lines('a: 1', 'list:', '  - x', '  - y', 'z: 9') }],
    ]);
    expect(merged).toContain('{{- if .Values.a }}\na: 9\n{{- else }}\na: 1\n{{- end }}');
    expect(merged).toContain('{{- if .Values.z }}\nz: 9\n{{- else }}\nz: 2\n{{- end }}');
  });

  it('stops when two choices change the same lines', () => {
    expect(() => mergeChoices('Deployment/x', base, [
      [{ cond: '.Values.a', text: lines('a: 9', 'list:', '  - x', '  - y', 'z: 2') }],
      [{ cond: '.Values.b', text: lines('a: 8', 'list:', '  - x', '  - y', 'z: 2') }],
    ])).toThrow('two choices change the same lines of Deployment/x');
  });

  it('never splits a templatizer block', () => {
    const block = lines('{{- with .Values.env }}', 'env:', '  {{- toYaml . | nindent 2 }}', '{{- end }}');
    expect(units(lines('a: 1', block, 'b: 2'))).toEqual(['a: 1', block, 'b: 2']);
    expect(() => units(lines('{{- if .Values.x }}', 'a: 1'))).toThrow('not closed');
  });

  it('says "either" simply where it can', () => {
    expect(either(['and .Values.cm .Values.ref', 'and .Values.cm (not .Values.ref)'])).toBe('.Values.cm');
    expect(either(['.Values.a', '.Values.b'])).toBe('or (.Values.a) (.Values.b)');
  });
});

describe('reduceCombinations', () => {
  it('drops a choice whose every value is covered, and keeps the values of one covered in part', () => {
    // Two choices, sizes 3 and 2 (the last value of each: left at its default).
    expect(reduceCombinations([[0, 0], [0, 1]], [3, 2])).toEqual([[[0], null]]);
    expect(reduceCombinations([[0, 0], [1, 0]], [3, 2])).toEqual([[[0, 1], [0]]]);
    expect(reduceCombinations([[0, 0], [1, 1]], [3, 2])).toEqual([[[0], [0]], [[1], [1]]]);
  });
});

describe('security values as props', () => {
  const release = { name: 'q', namespace: 'ns' };

  it('maps cert-manager, peers and API server addresses onto the props\' fields', () => {
    const props = valuesToProps({ security: {
      certManager: { enabled: true, issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer', group: '' } },
      certificateValiditySeconds: 86400,
      networkPolicies: { routingClients: { namespaceLabels: {} }, metricsScrapers: {}, apiServer: { cidrs: ['10.0.0.1/32'], ports: [] } },
    } }, release);
    expect(props.security).toEqual({
      certManager: { issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer' } },
      certificateValiditySeconds: 86400,
      networkPolicies: { routingClients: { namespaceLabels: {} }, apiServer: { cidrs: ['10.0.0.1/32'] } },
    });
    expect(valuesToProps({ security: { certManager: { enabled: true, issuerRef: { name: '' } } } }, release).security).toEqual({ certManager: {} });
  });

  it('refuses an issuer without cert-manager, as the chart does', () => {
    expect(() => valuesToProps({ security: { certManager: { enabled: false, issuerRef: { name: 'corp-ca' } } } }, release))
      .toThrow('security.certManager.issuerRef.name = corp-ca: needs security.certManager.enabled=true');
  });
});
