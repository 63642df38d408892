/**
 * The operator image's state subcommands (apps/operator.ts dispatches to them):
 *
 *   quidditch-operator export --namespace <ns> [--kubeconfig <path>] > state.json
 *   quidditch-operator import --namespace <ns> [--kubeconfig <path>] < state.json
 *   quidditch-operator export --namespace <ns> --configmap <name> --wait-for-lease <lease>   (the migration's export Job)
 *
 * export writes the quidditch.io/state/v1 document (lib/api/v1/cluster-state.ts) to stdout; import
 * reads one from stdin and prints what it did as JSON. Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { parseArgs } from 'node:util';
import { ClusterStateError, parseClusterState } from '../../api/v1';
import { loadKubeConfig } from '../runtime/manager';
import { exportClusterState } from './export-state';
import { importClusterState } from './import-state';
import { assertOperatorStopped, writeInitialState } from './initial-state';

export const STATE_COMMANDS = ['export', 'import'] as const;
export type StateCommand = (typeof STATE_COMMANDS)[number];

export function isStateCommand(arg: string | undefined): arg is StateCommand {
  return (STATE_COMMANDS as readonly string[]).includes(arg ?? '');
}

export interface StateCommandIO {
  readonly stdin: () => Promise<string>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const USAGE = `Usage:
  quidditch-operator export --namespace <ns> [--kubeconfig <path>] > state.json
  quidditch-operator export --namespace <ns> --configmap <name> [--wait-for-lease <operator lease>]
  quidditch-operator import --namespace <ns> [--kubeconfig <path>] < state.json
`;

/** Parses `<command> [flags]`; returns the options or a usage error. */
export interface StateArgs {
  readonly command: StateCommand;
  readonly namespace: string;
  readonly kubeconfig?: string;
  /** export only: write into this ConfigMap (key state.json) instead of stdout. */
  readonly configmap?: string;
  /** export only: refuse while an operator holds this Lease. */
  readonly waitForLease?: string;
}

export function parseStateArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): StateArgs | { error: string } {
  const [command, ...rest] = argv;
  if (!isStateCommand(command)) return { error: `Unknown command ${JSON.stringify(command)}.\n${USAGE}` };
  let values: { namespace?: string; kubeconfig?: string; configmap?: string; 'wait-for-lease'?: string };
  try {
    ({ values } = parseArgs({
      args: [...rest],
      options: { namespace: { type: 'string', short: 'n' }, kubeconfig: { type: 'string' }, configmap: { type: 'string' }, 'wait-for-lease': { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return { error: `Unable to ${command} the cluster state: ${(err as Error).message}.\n${USAGE}` };
  }
  // Deliberately no fallback to "default": exporting or importing the wrong namespace is silent damage.
  const namespace = values.namespace ?? env.QUIDDITCH_NAMESPACE;
  if (!namespace) return { error: `Unable to ${command} the cluster state: --namespace is required (or QUIDDITCH_NAMESPACE).\n${USAGE}` };
  if (command === 'import' && (values.configmap || values['wait-for-lease'])) {
    return { error: `Unable to import the cluster state: --configmap and --wait-for-lease are export options.\n${USAGE}` };
  }
  const kubeconfig = values.kubeconfig ?? env.QUIDDITCH_KUBECONFIG;
  return {
    command,
    namespace,
    ...(kubeconfig ? { kubeconfig } : {}),
    ...(values.configmap ? { configmap: values.configmap } : {}),
    ...(values['wait-for-lease'] ? { waitForLease: values['wait-for-lease'] } : {}),
  };
}

export async function runStateCommand(argv: readonly string[], io: StateCommandIO): Promise<number> {
  const parsed = parseStateArgs(argv, io.env);
  if ('error' in parsed) {
    io.stderr(parsed.error);
    return 2;
  }
  const kc = loadKubeConfig(parsed.kubeconfig);
  try {
    if (parsed.command === 'export') {
      if (parsed.waitForLease) await assertOperatorStopped(kc, parsed.namespace, parsed.waitForLease);
      const state = await exportClusterState(kc, parsed.namespace);
      if (!parsed.configmap) {
        io.stdout(`${JSON.stringify(state, null, 2)}\n`);
        return 0;
      }
      await writeInitialState(kc, parsed.namespace, parsed.configmap, state);
      io.stdout(`${JSON.stringify({ configmap: `${parsed.namespace}/${parsed.configmap}`, indices: state.indices.length, nodes: state.nodes.length })}\n`);
      return 0;
    }
    const text = await io.stdin();
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      io.stderr(`Unable to import the cluster state: stdin is not JSON (${(err as Error).message}). Pipe in the file \`export\` wrote.\n`);
      return 2;
    }
    const result = await importClusterState(kc, parsed.namespace, parseClusterState(doc));
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ClusterStateError) {
      io.stderr(`${err.message}\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(`Unable to ${parsed.command} the cluster state of namespace ${parsed.namespace}: ${message}\n`);
    return 1;
  }
}
