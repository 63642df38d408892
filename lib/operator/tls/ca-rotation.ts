/**
 * When and how the operator-managed CA is rotated — the pure part: which phase the CA Secret is in,
 * which step is due now, and when the next one will be. Nothing here reads a clock or the API server.
 *
 * A CA cannot be swapped in one write: a data node trusts the `ca.crt` its kubelet last copied
 * into its volume, and can only be told about a new CA through that file. So the new CA is
 * trusted everywhere before anything is signed by it, and the old one until nothing uses it:
 *
 *   stable ──(2/3 of the CA's life)──▶ begin: a new CA is stored as `next`; ca.crt = current + next
 *   trusting ──(every leaf Secret carries that bundle)──▶ publish: `trustedAt` = now
 *   trusting ──(trustedAt + propagation)──▶ swap: next signs; the old CA becomes `previous`;
 *          leaves are reissued by the new CA (the bundle still trusts both)
 *   retiring ──(swappedAt + propagation, or the old CA expired)──▶ retire: ca.crt = new CA only
 *
 * The propagation wait is time-based: the kubelet's volume refresh (about a minute) and the data
 * node's file watcher (60 s) cannot be observed from the operator. It also covers the other operator
 * replicas, which re-read the CA Secret at least every 60 s.
 */
import { X509Certificate } from 'node:crypto';
import { renewalTime, validity, type CertKeyPem } from './pki';

/** What the CA Secret says (see ca-secret.ts for its keys). */
export interface CaState {
  /** The CA that signs leaves now. */
  readonly signer: CertKeyPem;
  /** A new CA being introduced: trusted, not yet signing. */
  readonly next?: CertKeyPem;
  /** When every leaf Secret carried the bundle with `next` (the propagation wait starts then). */
  readonly trustedAt?: Date;
  /** The replaced CA, still trusted until leaves it signed are gone everywhere. */
  readonly previousPem?: string;
  /** When `next` became the signer. */
  readonly swappedAt?: Date;
  /**
   * Raised by every write of the CA Secret and copied onto the leaf Secrets written from it: a
   * replica that read an older CA Secret never overwrites a leaf Secret written from a newer one.
   */
  readonly generation: number;
}

export type CaPhase = 'stable' | 'trusting' | 'retiring';

export type CaStep =
  /** Nothing to do before `at`. */
  | { readonly kind: 'wait'; readonly at: Date }
  /** Create the next CA and trust it alongside the current one. */
  | { readonly kind: 'begin' }
  /** Once every leaf Secret carries the two-CA bundle, record when (the wait starts then). */
  | { readonly kind: 'publish' }
  /** Sign with the next CA; keep the old one trusted as `previous`. */
  | { readonly kind: 'swap' }
  /** Stop trusting the previous CA. */
  | { readonly kind: 'retire' };

export function phaseOf(state: CaState): CaPhase {
  if (state.next) return 'trusting';
  if (state.previousPem) return 'retiring';
  return 'stable';
}

/** The step due at `now`, given how long a changed Secret takes to reach every reader. */
export function planCaRotation(state: CaState, now: Date, propagationMs: number): CaStep {
  switch (phaseOf(state)) {
    case 'stable': {
      const at = renewalTime(state.signer.certPem);
      return now >= at ? { kind: 'begin' } : { kind: 'wait', at };
    }
    case 'trusting': {
      if (!state.trustedAt) return { kind: 'publish' };
      // An expired signer has nothing left to protect: swap at once.
      const at = earliest(new Date(state.trustedAt.getTime() + propagationMs), validity(state.signer.certPem).notAfter);
      return now >= at ? { kind: 'swap' } : { kind: 'wait', at };
    }
    case 'retiring': {
      // Without a recorded swap time (edited by hand), the old CA is trusted until it expires.
      const expiry = validity(state.previousPem!).notAfter;
      const at = state.swappedAt ? earliest(new Date(state.swappedAt.getTime() + propagationMs), expiry) : expiry;
      return now >= at ? { kind: 'retire' } : { kind: 'wait', at };
    }
  }
}

/** The certificates every reader must trust now: the signer first, then the CA it replaces or precedes. */
export function trustBundle(state: CaState): string {
  return [state.signer.certPem, state.next?.certPem, state.previousPem]
    .filter((pem): pem is string => pem !== undefined)
    .map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`))
    .join('');
}

/**
 * The CA in `state` that signed `leafPem` and may keep it: the signer or the next CA. The next CA
 * counts because a replica that read the Secret just before another one swapped must not replace
 * the new CA's leaves with the old one's. Undefined when neither did (reissue it).
 */
export function issuerIn(state: CaState, leafPem: string): string | undefined {
  try {
    const leaf = new X509Certificate(leafPem);
    return [state.signer.certPem, state.next?.certPem].find((ca) => ca !== undefined && leaf.verify(new X509Certificate(ca).publicKey));
  } catch {
    return undefined;
  }
}

/** The CA state after `step` (`next` is the freshly created CA for `begin`). */
export function afterStep(state: CaState, step: Exclude<CaStep, { kind: 'wait' }>, now: Date, next?: CertKeyPem): CaState {
  const generation = state.generation + 1;
  switch (step.kind) {
    case 'begin':
      if (!next) throw new Error('a rotation begins with a new CA');
      return { signer: state.signer, next, generation };
    case 'publish':
      return { ...state, trustedAt: now, generation };
    case 'swap':
      return { signer: state.next!, previousPem: state.signer.certPem, swappedAt: now, generation };
    case 'retire':
      return { signer: state.signer, generation };
  }
}

function earliest(a: Date, b: Date): Date {
  return a.getTime() <= b.getTime() ? a : b;
}
