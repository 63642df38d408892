/**
 * Works around a stall of kube-apiserver's CRD finalizer (k8s.io/apiextensions-apiserver
 * pkg/controller/finalizer/crd_finalizer.go, v0.34), seen here as a `pulumi destroy` with
 * deleteCrdsOnDestroy that waited ~4.5 minutes for one CRD while every other step took seconds, and
 * (once this was in place) nudged in migration-walk, whose 30 s wait for the CRDs' deletion would
 * otherwise have failed, and in up.test during CI. Each time a CRD whose resources no client had listed
 * before: ShardAllocation (mirror off), and in up.test, which runs no operator, QuidditchNode.
 *  1. the finalizer lists the CRD's instances and gets "storage is (re)initializing" (the watch cache
 *     of that resource was being built; ResilientWatchCacheInitialization answers 429 instead of
 *     waiting). It records Terminating=True/InstanceDeletionFailed and requeues the CRD;
 *  2. the retry, from an informer cache that has not seen its own status write yet, gets a Conflict,
 *     which it treats as "we'll get called again" and drops the key;
 *  3. but its update handler ignores changes to the Terminating condition alone, so nothing calls it
 *     again until the informer's periodic resync, minutes later.
 * Any other change to the CRD queues it again. This patches an annotation on a CRD found in that
 * state, as a person would (`kubectl annotate crd <name> …`); README "Pulumi" tells users the same.
 * The API server's own finalizer still lists and deletes the instances; only the wait is cut.
 */
import { ApiextensionsV1Api, KubeConfig, PatchStrategy, setHeaderOptions, V1CustomResourceDefinition } from '@kubernetes/client-node';
import { API_GROUP } from '../../../lib/api/v1';

/** How long a CRD may sit in InstanceDeletionFailed before it is nudged: the finalizer's own retry comes within ms. */
const STUCK_AFTER_MS = 2_000;
const POLL_MS = 1_000;
const ANNOTATION = 'quidditch.io/test-requeue';

export function isStalledFinalizer(crd: V1CustomResourceDefinition, now: Date): boolean {
  if (!crd.metadata?.deletionTimestamp || !crd.metadata.finalizers?.includes('customresourcecleanup.apiextensions.k8s.io')) return false;
  const terminating = crd.status?.conditions?.find((c) => c.type === 'Terminating');
  if (terminating?.status !== 'True' || terminating.reason !== 'InstanceDeletionFailed') return false;
  const since = terminating.lastTransitionTime ? new Date(terminating.lastTransitionTime).getTime() : 0;
  return now.getTime() - since >= STUCK_AFTER_MS;
}

/**
 * Runs `run` (a destroy that deletes our CRDs) while polling the CRDs of our API group and nudging
 * each whose finalizer stalled (see above). Each nudge is written to stderr after `run`, prefixed
 * with `label`, so a run shows when it happened.
 */
export async function whileNudgingStalledCrdFinalizers<T>(kc: KubeConfig, label: string, run: () => Promise<T>): Promise<T> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const nudges: string[] = [];
  let stopped = false;
  // Ends the pause between polls at once when `run` is done, so the caller does not wait out a poll.
  let wake = () => {};
  const loop = (async () => {
    while (!stopped) {
      const now = new Date();
      const crds = await api.listCustomResourceDefinition().catch(() => undefined);
      for (const crd of crds?.items ?? []) {
        if (crd.spec.group !== API_GROUP || !isStalledFinalizer(crd, now)) continue;
        const name = crd.metadata!.name!;
        const message = crd.status?.conditions?.find((c) => c.type === 'Terminating')?.message;
        await api
          .patchCustomResourceDefinition({ name, body: { metadata: { annotations: { [ANNOTATION]: now.toISOString() } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))
          .then(() => nudges.push(`${now.toISOString()} nudged the finalizer of CRD ${name} (${message ?? 'no message'})`))
          .catch(() => undefined); // gone meanwhile: nothing to nudge
      }
      if (stopped) break;
      await new Promise<void>((r) => {
        const timer = setTimeout(r, POLL_MS);
        wake = () => (clearTimeout(timer), r());
      });
    }
  })();
  try {
    return await run();
  } finally {
    stopped = true;
    wake();
    await loop;
    for (const line of nudges) process.stderr.write(`[${label}] ${line}\n`);
  }
}
