import { OPERATOR_FLAGS } from '../../../lib/operator/flags';
import { envVarName, helpText, OperatorConfig, OperatorConfigError, parseOperatorConfig } from '../../../lib/operator/config';

function parse(argv: string[], env: Record<string, string> = {}, extra: { serviceAccountNamespace?: string; hostname?: string } = {}): OperatorConfig {
  const outcome = parseOperatorConfig({ argv, env, ...extra });
  if (outcome.kind !== 'run') throw new Error('expected a config, got help');
  return outcome.config;
}

function problemsOf(argv: string[], env: Record<string, string> = {}): readonly string[] {
  try {
    parseOperatorConfig({ argv, env });
  } catch (e) {
    if (e instanceof OperatorConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected an OperatorConfigError');
}

describe('parseOperatorConfig', () => {
  it('uses the default of every flag when nothing is given', () => {
    const config = parse([]);
    expect(config).toMatchObject({
      leaseName: 'quidditch-operator', leaderElect: true, leaseDuration: 15, renewDeadline: 10, retryPeriod: 2,
      heartbeatTimeout: 60, nodeLeftDelay: 60, deleteTimeout: 300, resyncPeriod: 300, concurrency: 16, httpPort: 8080, metricsPort: 9090,
      bindAddress: '0.0.0.0', grpcTimeout: 5, logLevel: 'info', nodeConcurrentRelocations: 2, clusterConcurrentRelocations: 8, zoneCacheTtl: 60,
    });
    expect(config.kubeconfig).toBeUndefined();
  });

  it('accepts --name=value and --name value', () => {
    const config = parse(['--lease-duration=20', '--renew-deadline', '12', '--lease-name', 'x']);
    expect(config.leaseDuration).toBe(20);
    expect(config.renewDeadline).toBe(12);
    expect(config.leaseName).toBe('x');
  });

  it('accepts fractional seconds so tests can use short timings', () => {
    expect(parse(['--lease-duration=3', '--renew-deadline=2', '--retry-period=0.5']).retryPeriod).toBe(0.5);
  });

  it('treats a bare boolean flag as true and --no-<flag> as false', () => {
    expect(parse(['--no-leader-elect']).leaderElect).toBe(false);
    expect(parse(['--no-leader-elect', '--leader-elect']).leaderElect).toBe(true);
    expect(parse(['--leader-elect=false']).leaderElect).toBe(false);
  });

  it('does not let a boolean flag swallow the next argument', () => {
    const config = parse(['--leader-elect', '--concurrency=2']);
    expect(config.leaderElect).toBe(true);
    expect(config.concurrency).toBe(2);
  });

  it('reads QUIDDITCH_<UPPER_SNAKE> environment variables, and flags override them', () => {
    expect(parse([], { QUIDDITCH_HEARTBEAT_TIMEOUT: '5', QUIDDITCH_LEADER_ELECT: 'false' })).toMatchObject({ heartbeatTimeout: 5, leaderElect: false });
    expect(parse(['--heartbeat-timeout=7'], { QUIDDITCH_HEARTBEAT_TIMEOUT: '5' }).heartbeatTimeout).toBe(7);
  });

  it('names every flag environment variable by its upper snake case', () => {
    expect(envVarName(OPERATOR_FLAGS.leaseDuration.name)).toBe('QUIDDITCH_LEASE_DURATION');
  });

  it('rejects an unknown flag, naming it and listing the valid ones', () => {
    const [problem] = problemsOf(['--lease-durration=3']);
    expect(problem).toMatch(/^Unable to parse operator flag --lease-durration: it is not a known flag\. Valid flags: /);
    for (const def of Object.values(OPERATOR_FLAGS)) expect(problem).toContain(`--${def.name}`);
  });

  it('rejects a number flag with a non-numeric value, naming the flag and the value', () => {
    expect(problemsOf(['--concurrency=four'])).toEqual(['Unable to parse flag --concurrency value "four": it must be a number. Pass e.g. --concurrency=16.']);
    expect(problemsOf([], { QUIDDITCH_HTTP_PORT: '80a' })[0]).toContain('environment variable QUIDDITCH_HTTP_PORT value "80a"');
  });

  it('reports every problem at once', () => {
    const problems = problemsOf(['--concurrency=0', '--bogus', '--log-level=loud']);
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/--bogus[\s\S]*--concurrency=0[\s\S]*--log-level=loud/);
  });

  it('rejects a flag that needs a value when none follows', () => {
    expect(problemsOf(['--namespace'])).toEqual(['Unable to parse operator flag --namespace: it requires a string value. Pass --namespace=<string>.']);
  });

  it('rejects positional arguments', () => {
    expect(problemsOf(['run'])[0]).toContain('positional arguments are not accepted');
  });

  it('requires the lease duration to exceed the renew deadline and that to exceed the retry period', () => {
    expect(problemsOf(['--lease-duration=10', '--renew-deadline=10'])[0]).toContain('the lease duration must be greater than the renew deadline');
    expect(problemsOf(['--renew-deadline=2', '--retry-period=2'])[0]).toContain('the renew deadline must be greater than the retry period');
  });

  it('rejects ports outside 0..65535 and non-positive durations', () => {
    expect(problemsOf(['--http-port=70000'])[0]).toContain('--http-port=70000: it must be an integer port from 0 to 65535');
    expect(problemsOf(['--resync-period=0'])[0]).toContain('--resync-period=0: it must be greater than 0 seconds');
  });

  it('accepts --node-left-delay=0 (replace at once) and rejects a negative delay', () => {
    expect(parse(['--node-left-delay=0']).nodeLeftDelay).toBe(0);
    expect(problemsOf(['--node-left-delay=-1'])[0]).toBe('Unable to use --node-left-delay=-1: it must be 0 or more seconds. Pass 0 to replace replicas of a departed node at once.');
  });

  it('accepts --zone-cache-ttl=0 (read the Kubernetes Node on every heartbeat) and rejects a negative one', () => {
    expect(parse(['--zone-cache-ttl=0']).zoneCacheTtl).toBe(0);
    expect(parse(['--zone-cache-ttl=5']).zoneCacheTtl).toBe(5);
    expect(problemsOf(['--zone-cache-ttl=-1'])[0]).toBe('Unable to use --zone-cache-ttl=-1: it must be 0 or more seconds. Pass 0 to read the Kubernetes Node on every heartbeat.');
  });

  it('throttles relocations with integers of at least 1, naming the flag', () => {
    expect(parse(['--node-concurrent-relocations=4', '--cluster-concurrent-relocations=16'])).toMatchObject({ nodeConcurrentRelocations: 4, clusterConcurrentRelocations: 16 });
    expect(problemsOf(['--node-concurrent-relocations=0'])[0]).toBe('Unable to use --node-concurrent-relocations=0: it must be an integer of at least 1 (a drain with 0 relocations would never finish).');
    expect(problemsOf(['--cluster-concurrent-relocations=1.5'])[0]).toBe('Unable to use --cluster-concurrent-relocations=1.5: it must be an integer of at least 1 (a drain with 0 relocations would never finish).');
  });

  describe('namespace', () => {
    it('prefers the flag', () => {
      expect(parse(['--namespace=a'], { POD_NAMESPACE: 'b' }, { serviceAccountNamespace: 'c' }).namespace).toBe('a');
    });
    it('falls back to POD_NAMESPACE', () => {
      expect(parse([], { POD_NAMESPACE: 'b' }, { serviceAccountNamespace: 'c' }).namespace).toBe('b');
    });
    it('falls back to the service-account namespace file', () => {
      expect(parse([], {}, { serviceAccountNamespace: 'c\n' }).namespace).toBe('c');
    });
    it('falls back to "default"', () => {
      expect(parse([]).namespace).toBe('default');
    });
  });

  it('takes the pod name from POD_NAME, else the host name', () => {
    expect(parse([], { POD_NAME: 'op-0' }, { hostname: 'h' }).podName).toBe('op-0');
    expect(parse([], {}, { hostname: 'h' }).podName).toBe('h');
  });

  it('answers --help with text generated from every flag definition', () => {
    const outcome = parseOperatorConfig({ argv: ['--concurrency=2', '--help'], env: {} });
    expect(outcome).toEqual({ kind: 'help', text: helpText() });
    for (const def of Object.values(OPERATOR_FLAGS)) {
      expect(helpText()).toContain(`--${def.name}`);
      expect(helpText()).toContain(def.description);
      expect(helpText()).toContain(envVarName(def.name));
    }
  });
});
