import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import { VersionApi, KubeConfig } from '@kubernetes/client-node';
import versions from '../../scripts/versions.json';
import pkg from '../../package.json';

/** What the numbers were measured on, printed beside them. */
export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly kubeApiServer: string;
  readonly etcd: string;
  readonly clientNode: string;
  readonly commit: string;
  readonly date: string;
  /**
   * os.loadavg() (1, 5, 15 min) when the benchmark finished: on a shared machine it tells how busy
   * the cores were while the numbers were taken. Absent in results older than this field.
   */
  readonly loadAverage?: readonly [number, number, number];
}

/** The machine info stamped with the current load average and time, for one finished benchmark. */
export function withLoad(m: MachineInfo): MachineInfo {
  const [a, b, c] = os.loadavg().map((x) => Math.round(x * 100) / 100);
  return { ...m, date: new Date().toISOString(), loadAverage: [a, b, c] };
}

export async function machineInfo(kc: KubeConfig): Promise<MachineInfo> {
  let kubeApiServer = versions.kubernetes;
  try {
    kubeApiServer = (await kc.makeApiClient(VersionApi).getCode()).gitVersion;
  } catch {
    // The pinned version is what the test assets are built from; the live answer is only a check.
  }
  let commit = 'unknown';
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', 'lib', 'apps'], { encoding: 'utf8' }).trim();
    commit = dirty ? `${head}+uncommitted lib/apps changes` : head;
  } catch {
    // Not a git checkout.
  }
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    kubeApiServer,
    etcd: versions.etcd,
    clientNode: pkg.devDependencies['@kubernetes/client-node'],
    commit,
    date: new Date().toISOString(),
  };
}
