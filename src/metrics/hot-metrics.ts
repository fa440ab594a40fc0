// The metrics written on every request, kept by hand: prom-client validates and hashes the
// labels on every observation, which cost the introspection endpoint a tenth of its CPU
// (docs/benchmarks.md). Counts live in one map entry per label set and reach prom-client's
// registry, in its exposition format, only when /metrics is scraped.
import type { Registry } from 'prom-client';

export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

interface Series {
  labels: { route: string; method: string; status: string };
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  perBucket: number[];
}

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

export type ObserveRequest = (route: string, method: string, status: number, seconds: number) => void;

export function registerRequestMetrics(registry: Registry): ObserveRequest {
  const series: Series[] = [];
  registry.registerMetric({
    name: 'keyward_http_requests_total',
    get: async () => ({
      name: 'keyward_http_requests_total',
      help: 'HTTP requests by route, method and status.',
      type: 'counter',
      aggregator: 'sum',
      values: series.map((s): MetricValue => ({ value: s.count, labels: s.labels })),
    }),
  } as never);
  registry.registerMetric({
    name: 'keyward_http_request_duration_seconds',
    get: async () => ({
      name: 'keyward_http_request_duration_seconds',
      help: 'HTTP request latency by route, method and status.',
      type: 'histogram',
      aggregator: 'sum',
      values: series.flatMap((s): MetricValue[] => {
        let cumulative = 0;
        const buckets = [...LATENCY_BUCKETS, '+Inf' as const].map((le, i): MetricValue => {
          cumulative += s.perBucket[i]!;
          return { metricName: 'keyward_http_request_duration_seconds_bucket', labels: { le, ...s.labels }, value: cumulative };
        });
        return [
          ...buckets,
          { metricName: 'keyward_http_request_duration_seconds_sum', labels: s.labels, value: s.sum },
          { metricName: 'keyward_http_request_duration_seconds_count', labels: s.labels, value: s.count },
        ];
      }),
    }),
  } as never);

  // Nested maps: route and method are interned strings and status a small integer, so a
  // lookup neither builds nor hashes a new string per request.
  const byRoute = new Map<string, Map<string, Map<number, Series>>>();
  return (route, method, status, seconds) => {
    let byMethod = byRoute.get(route);
    if (!byMethod) byRoute.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let entry = byStatus.get(status);
    if (!entry) {
      entry = { labels: { route, method, status: String(status) }, count: 0, sum: 0, perBucket: new Array<number>(LATENCY_BUCKETS.length + 1).fill(0) };
      byStatus.set(status, entry);
      series.push(entry);
    }
    entry.count += 1;
    entry.sum += seconds;
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[bucket]!) bucket++;
    entry.perBucket[bucket]! += 1;
  };
}

/** A counter with one label, e.g. keyward_tokens_issued_total{grant}. */
export function registerCounter(registry: Registry, name: string, help: string, label: string): (value: string) => void {
  const counts = new Map<string, number>();
  registry.registerMetric({
    name,
    get: async () => ({ name, help, type: 'counter', aggregator: 'sum', values: [...counts].map(([value, count]): MetricValue => ({ value: count, labels: { [label]: value } })) }),
  } as never);
  return (value) => void counts.set(value, (counts.get(value) ?? 0) + 1);
}
