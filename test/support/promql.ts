/**
 * PromQL checks with the Prometheus project's own lezer grammar (@prometheus-io/lezer-promql, the
 * parser behind the Prometheus UI's editor): syntax errors, and the metric names a query reads.
 * Syntax only: it does not type-check (rate() of an instant vector parses), which promtool would.
 */
import { parser } from '@prometheus-io/lezer-promql';

export interface ParsedPromql {
  /** One entry per error node: the position and the text around it. Empty when the query parses. */
  readonly errors: string[];
  /** Metric names of the vector selectors, sorted, without duplicates. */
  readonly metricNames: string[];
}

export function parsePromql(expr: string): ParsedPromql {
  const errors: string[] = [];
  const names = new Set<string>();
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`at ${node.from}: …${expr.slice(Math.max(0, node.from - 20), node.from + 20)}…`);
      // The Identifier directly under a VectorSelector is its metric name (label names are LabelName).
      if (node.type.name === 'Identifier' && node.node.parent?.type.name === 'VectorSelector') names.add(expr.slice(node.from, node.to));
    },
  });
  return { errors, metricNames: [...names].sort() };
}

/** Series names in a Prometheus text exposition (`name{labels} value` lines; comments skipped). */
export function exposedMetricNames(text: string): Set<string> {
  return new Set(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/[{ ]/)[0]));
}
