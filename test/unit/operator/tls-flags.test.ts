import { OperatorConfig, OperatorConfigError, parseOperatorConfig } from '../../../lib/operator/config';

function parse(argv: string[]): OperatorConfig {
  const outcome = parseOperatorConfig({ argv, env: {} });
  if (outcome.kind !== 'run') throw new Error('expected a config, got help');
  return outcome.config;
}

function problemsOf(argv: string[]): readonly string[] {
  try {
    parseOperatorConfig({ argv, env: {} });
  } catch (e) {
    if (e instanceof OperatorConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected an OperatorConfigError');
}

describe('the operator\'s gRPC TLS flags', () => {
  it('default to mutual TLS with an operator-managed CA: 90-day certificates, a 10-year CA, no plaintext', () => {
    expect(parse([])).toMatchObject({
      insecurePlaintextGrpc: false, tlsCaSecret: 'quidditch-ca', tlsDataNodeSecret: 'quidditch-data-node-tls', tlsCertValidity: 7776000, tlsCaValidity: 315360000,
      tlsCaPropagation: 300,
    });
    expect(parse([]).tlsCertDir).toBeUndefined();
  });

  it('refuse a certificate that would outlive its CA, a non-positive validity, and plaintext with a certificate directory', () => {
    expect(problemsOf(['--tls-cert-validity=7200', '--tls-ca-validity=3600'])).toEqual([
      'Unable to use --tls-cert-validity=7200 with --tls-ca-validity=3600: a certificate cannot outlive its CA. Lower --tls-cert-validity.',
    ]);
    expect(problemsOf(['--tls-cert-validity=0'])).toEqual(['Unable to use --tls-cert-validity=0: it must be greater than 0 seconds. Pass a positive number.']);
    expect(problemsOf(['--insecure-plaintext-grpc', '--tls-cert-dir=/tls'])).toEqual([
      'Unable to use --insecure-plaintext-grpc with --tls-cert-dir: they exclude each other. Pass one.',
    ]);
  });

  it('refuse a CA propagation wait that cannot happen twice in the last third of the CA\'s life', () => {
    expect(problemsOf(['--tls-ca-validity=36', '--tls-cert-validity=6', '--tls-ca-propagation=6'])).toEqual([
      'Unable to use --tls-ca-propagation=6 with --tls-ca-validity=36: a CA rotation waits twice the propagation time, which must fit in the last third of the CA\'s life (under 6 s). Lower --tls-ca-propagation or raise --tls-ca-validity.',
    ]);
    expect(parse(['--tls-ca-validity=36', '--tls-cert-validity=6', '--tls-ca-propagation=5']).tlsCaPropagation).toBe(5);
    expect(problemsOf(['--tls-ca-propagation=0'])).toEqual(['Unable to use --tls-ca-propagation=0: it must be greater than 0 seconds. Pass a positive number.']);
  });
});
