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

/**
 * The metric names a Prometheus text exposition offers: every series name, plus every declared
 * family (`# TYPE name type`, with `_bucket`/`_sum`/`_count` for histograms and summaries) — a
 * labelled counter has no series until its first increment, but the family is exported.
 */
export function exposedMetricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      names.add(type[1]);
      if (type[2] === 'histogram' || type[2] === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) names.add(type[1] + suffix);
    } else if (line && !line.startsWith('#')) {
      names.add(line.split(/[{ ]/)[0]);
    }
  }
  return names;
}
