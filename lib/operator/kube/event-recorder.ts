import type { KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import type { ObjectMeta } from '../../api/v1';
import type { Logger } from '../logger';
import type { OperatorMetrics } from '../metrics';
import { EventBudget, NOTICE_BURST, NOTICE_PER_SECOND } from './event-budget';
import { KubeJsonClient } from './json-client';

export type EventType = 'Normal' | 'Warning';

/** How an Event may be treated by the recorder. */
export interface RecordOptions {
  /**
   * A Normal notice that repeats what the object's conditions say (e.g. a new index became ACTIVE):
   * the recorder may shed it under a burst (EventBudget), counting what it shed. Never set on Warnings.
   */
  readonly notice?: boolean;
}

/** Records a transition of an object as a Kubernetes Event (the contract: best effort, never throws). */
export interface EventRecorder {
  record(obj: { apiVersion: string; kind: string; metadata: ObjectMeta }, type: EventType, reason: string, message: string, options?: RecordOptions): void;
}

/** What a failed event write carries, for the onError callback. */
export interface FailedEvent {
  readonly reason: string;
  readonly involvedObject: string;
}

/**
 * The onError the operator uses: a lost event is logged at warn (with what it was about) and counted
 * in events_failed_total. Debug would hide it: the event was the only trace a person would have seen.
 */
export function warnOnFailedEvent(log: Logger, metrics?: OperatorMetrics): (err: unknown, event: FailedEvent) => void {
  return (err, event) => {
    metrics?.eventsFailed.inc();
    log.warn({ err: err instanceof Error ? err.message : String(err), ...event }, 'unable to record event');
  };
}

/**
 * Writes core/v1 Events. Recording is fire-and-forget: an event that cannot be written must not fail
 * a reconcile, since events are for people, not for correctness — but it is reported to onError
 * (required, so no caller drops failures silently by accident). Written through KubeJsonClient: one
 * Event per new index made client-node's request pipeline a visible share of the operator's CPU.
 */
export class KubeEventRecorder implements EventRecorder {
  private readonly http: KubeJsonClient;
  private readonly budget: EventBudget;
  private readonly onShed?: (reason: string) => void;

  constructor(
    kubeConfig: KubeConfig,
    private readonly component: string,
    private readonly onError: (err: unknown, event: FailedEvent) => void,
    /** Notices (RecordOptions.notice) beyond the budget (default NOTICE_BURST, then NOTICE_PER_SECOND) are not written; onShed counts them. */
    notices: { budget?: EventBudget; onShed?: (reason: string) => void } = {},
  ) {
    this.http = new KubeJsonClient(kubeConfig);
    this.budget = notices.budget ?? new EventBudget(NOTICE_BURST, NOTICE_PER_SECOND);
    this.onShed = notices.onShed;
  }

  record(obj: { apiVersion: string; kind: string; metadata: ObjectMeta }, type: EventType, reason: string, message: string, options: RecordOptions = {}): void {
    if (options.notice && type === 'Normal' && !this.budget.take()) {
      this.onShed?.(reason);
      return;
    }
    const namespace = obj.metadata.namespace ?? 'default';
    const now = new Date();
    const body = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${obj.metadata.name}.${randomBytes(8).toString('hex')}`, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      type,
      reason,
      message: message.slice(0, 1024),
      source: { component: this.component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: this.component,
      reportingInstance: process.env.POD_NAME ?? this.component,
    };
    this.http.request('POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, body).catch((err: unknown) => {
      this.onError(err, { reason, involvedObject: `${obj.kind} ${namespace}/${obj.metadata.name ?? ''}` });
    });
  }
}
