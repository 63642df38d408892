import { X509Certificate } from 'node:crypto';
import { afterStep, CaState, issuerIn, phaseOf, planCaRotation, trustBundle } from '../../../../lib/operator/tls/ca-rotation';
import { CertKeyPem, createCa, issueLeaf, TLS_ROLES } from '../../../../lib/operator/tls/pki';

const HOUR = 3_600_000;
const PROPAGATION = 5 * 60_000;
const t0 = new Date('2030-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const certsIn = (bundle: string) => bundle.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0;

let oldCa: CertKeyPem;
let newCa: CertKeyPem;

beforeAll(async () => {
  // A CA of 30 hours: its rotation is due at 20 h, and it expires at 30 h.
  oldCa = await createCa('old', 30 * HOUR, t0);
  newCa = await createCa('new', 30 * HOUR, at(20 * HOUR));
});

describe('planCaRotation', () => {
  it('waits in the stable phase until two thirds of the CA\'s life, then begins', () => {
    const stable: CaState = { signer: oldCa, generation: 1 };
    expect(phaseOf(stable)).toBe('stable');
    expect(planCaRotation(stable, at(HOUR), PROPAGATION)).toEqual({ kind: 'wait', at: at(20 * HOUR) });
    expect(planCaRotation(stable, at(20 * HOUR), PROPAGATION)).toEqual({ kind: 'begin' });
  });

  it('publishes first, then waits the propagation time before the new CA signs', () => {
    const trusting: CaState = { signer: oldCa, next: newCa, generation: 2 };
    expect(phaseOf(trusting)).toBe('trusting');
    expect(planCaRotation(trusting, at(20 * HOUR), PROPAGATION)).toEqual({ kind: 'publish' });
    const published = afterStep(trusting, { kind: 'publish' }, at(20 * HOUR));
    expect(planCaRotation(published, at(20 * HOUR + 1000), PROPAGATION)).toEqual({ kind: 'wait', at: at(20 * HOUR + PROPAGATION) });
    expect(planCaRotation(published, at(20 * HOUR + PROPAGATION), PROPAGATION)).toEqual({ kind: 'swap' });
  });

  it('swaps at once when the signing CA has expired (nothing left to protect)', () => {
    const late: CaState = { signer: oldCa, next: newCa, trustedAt: at(30 * HOUR - 1000), generation: 3 };
    expect(planCaRotation(late, at(30 * HOUR), PROPAGATION)).toEqual({ kind: 'swap' });
  });

  it('retires the old CA after the propagation time, or when it expired, whichever comes first', () => {
    const retiring: CaState = { signer: newCa, previousPem: oldCa.certPem, swappedAt: at(21 * HOUR), generation: 4 };
    expect(phaseOf(retiring)).toBe('retiring');
    expect(planCaRotation(retiring, at(21 * HOUR), PROPAGATION)).toEqual({ kind: 'wait', at: at(21 * HOUR + PROPAGATION) });
    expect(planCaRotation(retiring, at(21 * HOUR + PROPAGATION), PROPAGATION)).toEqual({ kind: 'retire' });
    const lateSwap = { ...retiring, swappedAt: at(30 * HOUR - 1000) };
    expect(planCaRotation(lateSwap, at(30 * HOUR - 500), PROPAGATION)).toEqual({ kind: 'wait', at: at(30 * HOUR) });
    expect(planCaRotation(lateSwap, at(30 * HOUR), PROPAGATION)).toEqual({ kind: 'retire' });
  });

  it('trusts a previous CA without a recorded swap time until it expires', () => {
    const edited: CaState = { signer: newCa, previousPem: oldCa.certPem, generation: 4 };
    expect(planCaRotation(edited, at(25 * HOUR), PROPAGATION)).toEqual({ kind: 'wait', at: at(30 * HOUR) });
  });
});

describe('one full rotation through afterStep', () => {
  it('trusts both CAs from begin to retire, signs with the new one after the swap, and ends with it alone', () => {
    const stable: CaState = { signer: oldCa, generation: 1 };
    const begun = afterStep(stable, { kind: 'begin' }, at(20 * HOUR), newCa);
    const published = afterStep(begun, { kind: 'publish' }, at(20 * HOUR));
    const swapped = afterStep(published, { kind: 'swap' }, at(20 * HOUR + PROPAGATION));
    const retired = afterStep(swapped, { kind: 'retire' }, at(20 * HOUR + 2 * PROPAGATION));
    expect([stable, begun, published, swapped, retired].map((s) => s.generation)).toEqual([1, 2, 3, 4, 5]);
    expect([begun, published, swapped].map((s) => certsIn(trustBundle(s)))).toEqual([2, 2, 2]);
    // The signer first, then the next CA: each once.
    expect(trustBundle(begun).indexOf(oldCa.certPem.trim())).toBe(0);
    expect(trustBundle(begun).indexOf(newCa.certPem.trim())).toBeGreaterThan(0);
    expect(swapped.signer).toBe(newCa);
    expect(swapped.previousPem).toBe(oldCa.certPem);
    expect(retired).toEqual({ signer: newCa, generation: 5 });
    expect(trustBundle(retired).trim()).toBe(newCa.certPem.trim());
    expect(new X509Certificate(trustBundle(retired)).subject).toBe('CN=new');
  });

  it('refuses to begin without the new CA', () => {
    expect(() => afterStep({ signer: oldCa, generation: 1 }, { kind: 'begin' }, t0)).toThrow('a rotation begins with a new CA');
  });
});

describe('issuerIn', () => {
  it('keeps leaves of the signing and the next CA, and not those of the previous one', async () => {
    const leafOf = async (ca: CertKeyPem) => (await issueLeaf(ca, { commonName: TLS_ROLES.dataNode, validityMs: HOUR, now: at(20 * HOUR) })).certPem;
    const [oldLeaf, newLeaf] = await Promise.all([leafOf(oldCa), leafOf(newCa)]);
    const trusting: CaState = { signer: oldCa, next: newCa, generation: 2 };
    expect(issuerIn(trusting, oldLeaf)).toBe(oldCa.certPem);
    expect(issuerIn(trusting, newLeaf)).toBe(newCa.certPem);
    const retiring: CaState = { signer: newCa, previousPem: oldCa.certPem, generation: 4 };
    expect(issuerIn(retiring, oldLeaf)).toBeUndefined();
    expect(issuerIn(retiring, 'not a certificate')).toBeUndefined();
  });
});
