import { KubeConfig, V1Lease, Watch } from '@kubernetes/client-node';
import type { Logger } from '../logger';

export interface LeaseWatchOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly leaseName: string;
  /** Called with the Lease on every ADDED/MODIFIED event, and with undefined when it is deleted. */
  readonly onChange: (lease: V1Lease | undefined) => void;
  /** Wait before re-opening a watch that ended or failed. */
  readonly reconnectMs: number;
  readonly log: Logger;
}

/** Server-side bound of one watch request; it is simply re-opened. */
const WATCH_TIMEOUT_SECONDS = 300;

/**
 * A watch on the one Lease object the election uses, so a standby learns of a release (or a renewal
 * that stopped) the moment the API server records it instead of at its next retry period. Only a
 * wake-up hint: the elector's retry loop keeps running, so a broken or slow watch costs latency,
 * never correctness (every acquire still reads the lease and writes with its resourceVersion).
 */
export class LeaseWatch {
  private readonly watch: Watch;
  private request: AbortController | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: LeaseWatchOptions) {
    this.watch = new Watch(options.kubeConfig);
  }

  start(): void {
    void this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.reconnect) clearTimeout(this.reconnect);
    this.request?.abort();
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    const { namespace, leaseName, log } = this.options;
    try {
      const request = await this.watch.watch(
        `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`,
        { fieldSelector: `metadata.name=${leaseName}`, timeoutSeconds: WATCH_TIMEOUT_SECONDS },
        (phase, obj) => {
          if (phase === 'ADDED' || phase === 'MODIFIED') this.options.onChange(obj as V1Lease);
          else if (phase === 'DELETED') this.options.onChange(undefined);
        },
        (err) => {
          if (err && !this.stopped) log.debug({ err }, 'leader lease watch ended; reopening');
          this.scheduleReopen();
        },
      );
      if (this.stopped) request.abort();
      else this.request = request;
    } catch (err) {
      log.debug({ err }, 'unable to watch the leader lease; the retry period still applies');
      this.scheduleReopen();
    }
  }

  private scheduleReopen(): void {
    if (this.stopped) return;
    if (this.reconnect) clearTimeout(this.reconnect);
    this.reconnect = setTimeout(() => void this.open(), this.options.reconnectMs);
    this.reconnect.unref();
  }
}
