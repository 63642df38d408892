import type { V1LeaseSpec } from '@kubernetes/client-node';
import { V1MicroTime } from '@kubernetes/client-node';

/**
 * Pure rules of Lease-based leader election (what client-go's leaderelection does with a LeaseLock).
 * Times are compared with the lease's own renewTime and leaseDurationSeconds, which assumes the
 * replicas' clocks agree to well within the lease duration (NTP-synchronized nodes).
 */

/** True when nobody holds the lease: no holder, or the holder's renewal is older than its duration. */
export function isLeaseFree(spec: V1LeaseSpec | undefined, nowMs: number): boolean {
  if (!spec?.holderIdentity) return true;
  if (!spec.renewTime || !spec.leaseDurationSeconds) return true;
  return new Date(spec.renewTime).getTime() + spec.leaseDurationSeconds * 1000 < nowMs;
}

/**
 * When a held lease becomes free (isLeaseFree turns true just after this instant), or undefined when
 * it is free already by its fields (no holder, no renewal time or duration).
 */
export function leaseExpiresAtMs(spec: V1LeaseSpec | undefined): number | undefined {
  if (!spec?.holderIdentity || !spec.renewTime || !spec.leaseDurationSeconds) return undefined;
  return new Date(spec.renewTime).getTime() + spec.leaseDurationSeconds * 1000;
}

/** The spec that makes `identity` the holder, counting a transition when the holder changes. */
export function takeoverSpec(previous: V1LeaseSpec | undefined, identity: string, leaseDurationSeconds: number, nowMs: number): V1LeaseSpec {
  const now = new V1MicroTime(nowMs);
  const transitions = previous?.leaseTransitions ?? 0;
  const changed = previous !== undefined && previous.holderIdentity !== identity;
  return {
    holderIdentity: identity,
    leaseDurationSeconds,
    acquireTime: now,
    renewTime: now,
    leaseTransitions: changed ? transitions + 1 : transitions,
  };
}

/** The spec of the current holder after renewing. */
export function renewedSpec(current: V1LeaseSpec, leaseDurationSeconds: number, nowMs: number): V1LeaseSpec {
  return { ...current, leaseDurationSeconds, renewTime: new V1MicroTime(nowMs) };
}

/**
 * The spec a holder writes when it steps down on purpose: no holder, so any standby may take it at
 * once. leaseDurationSeconds stays ≥ 1 because the API server rejects 0.
 */
export function releasedSpec(current: V1LeaseSpec, nowMs: number): V1LeaseSpec {
  const now = new V1MicroTime(nowMs);
  return { ...current, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now };
}
