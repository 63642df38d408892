/**
 * Counts the writes the API server accepted, by verb and resource, from its own /metrics
 * (apiserver_request_total): the cost of an operator in the unit the API server pays, independent of
 * how fast this machine is. Two scrapes and a difference; the counter has no client label, so the
 * caller subtracts what it wrote itself.
 */

const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'DELETECOLLECTION', 'APPLY']);

/** "VERB resource[/subresource]" → requests, over every response code. */
export type WriteCounts = Record<string, number>;

/** Parses apiserver_request_total into write counts per verb and resource (reads, watches and lists left out). */
export function apiWrites(metricsText: string): WriteCounts {
  const counts: WriteCounts = {};
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const m = /^apiserver_request_total\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (!WRITE_VERBS.has(labels.verb)) continue;
    const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
    counts[key] = (counts[key] ?? 0) + Number(m[2]);
  }
  return counts;
}

/** after − before, per key, leaving out keys that did not change. */
export function diffWrites(before: WriteCounts, after: WriteCounts): WriteCounts {
  const out: WriteCounts = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

/** `counts` with `subtract` taken off (e.g. the bench's own creates), never below zero. */
export function withoutWrites(counts: WriteCounts, subtract: WriteCounts): WriteCounts {
  const out: WriteCounts = {};
  for (const [k, v] of Object.entries(counts)) {
    const d = v - (subtract[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

export const totalWrites = (counts: WriteCounts): number => Object.values(counts).reduce((a, b) => a + b, 0);
