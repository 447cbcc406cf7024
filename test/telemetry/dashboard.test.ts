import { METRIC_GEN_AI_CLIENT_OPERATION_DURATION, METRIC_GEN_AI_CLIENT_TOKEN_USAGE } from '@opentelemetry/semantic-conventions/incubating';
import { METRIC_HTTP_SERVER_REQUEST_DURATION } from '@opentelemetry/semantic-conventions';
import { describe, expect, it } from 'vitest';
import { METRIC_DEFINITIONS } from '../../src/telemetry/metric-definitions.js';
import { dashboardQueries } from './dashboard-queries.js';
import { prometheusLabelName, prometheusMetricName, prometheusSeriesNames, type OtelMetricShape } from './prometheus-names.js';
import { referencesOf } from './promql-references.js';

/** What photovault exports: its own instruments plus those of the http and OpenAI instrumentations. */
function exportedMetrics(): OtelMetricShape[] {
  const own = Object.values(METRIC_DEFINITIONS).map((d): OtelMetricShape => ({
    name: d.name,
    unit: d.unit,
    type: d.kind === 'counter' ? 'sum' : d.kind,
    monotonic: d.kind === 'counter',
  }));
  return [
    ...own,
    { name: METRIC_HTTP_SERVER_REQUEST_DURATION, unit: 's', type: 'histogram', monotonic: false },
    { name: METRIC_GEN_AI_CLIENT_TOKEN_USAGE, unit: '{token}', type: 'histogram', monotonic: false },
    { name: METRIC_GEN_AI_CLIENT_OPERATION_DURATION, unit: 's', type: 'histogram', monotonic: false },
  ];
}

describe('OpenTelemetry to Prometheus names', () => {
  it.each([
    [{ name: 'http.server.request.duration', unit: 's', type: 'histogram', monotonic: false }, 'http_server_request_duration_seconds'],
    [{ name: 'requests.count', unit: '1', type: 'sum', monotonic: true }, 'requests_count_total'],
    [{ name: 'memory.usage', unit: 'By', type: 'gauge', monotonic: false }, 'memory_usage_bytes'],
    [{ name: 'cpu.utilization', unit: '1', type: 'gauge', monotonic: false }, 'cpu_utilization_ratio'],
    [{ name: 'network.io', unit: 'By/s', type: 'gauge', monotonic: false }, 'network_io_bytes_per_second'],
    [{ name: 'photovault.uploads', unit: '{upload}', type: 'sum', monotonic: true }, 'photovault_uploads_total'],
    [{ name: 'jobs.total', unit: '{job}', type: 'sum', monotonic: true }, 'jobs_total'],
    [{ name: 'queue.depth', unit: '{job}', type: 'sum', monotonic: false }, 'queue_depth'],
    [{ name: 'gen_ai.client.token.usage', unit: '{token}', type: 'histogram', monotonic: false }, 'gen_ai_client_token_usage'],
    [{ name: 'latency__seconds', unit: 's', type: 'histogram', monotonic: false }, 'latency_seconds'],
  ] as const)('%o -> %s', (metric, expected) => {
    expect(prometheusMetricName(metric)).toBe(expected);
  });

  it('maps attribute keys to label names', () => {
    expect(prometheusLabelName('http.route')).toBe('http_route');
    expect(prometheusLabelName('gen_ai.token.type')).toBe('gen_ai_token_type');
    expect(prometheusLabelName('http.response.status_code')).toBe('http_response_status_code');
  });
});

describe('PromQL references', () => {
  it('finds metrics and labels, not functions, keywords, strings or variables', () => {
    const refs = referencesOf('histogram_quantile(0.95, sum by (le, http_route) (rate(http_server_request_duration_seconds_bucket{job=~"$job", http_route!="x y"}[$__rate_interval])))');
    expect([...refs.metrics]).toEqual(['http_server_request_duration_seconds_bucket']);
    expect([...refs.labels].sort()).toEqual(['http_route', 'job', 'le']);
    expect([...referencesOf('sum(rate(a_total[5m])) / sum(rate(b_total[5m])) > bool 0.5').metrics]).toEqual(['a_total', 'b_total']);
  });
});

describe('the provisioned Grafana dashboard', () => {
  const queries = dashboardQueries();
  const prometheus = queries.filter((q) => q.datasource === 'prometheus');
  const exported = new Set(exportedMetrics().flatMap(prometheusSeriesNames));

  it('queries only metric names photovault exports, spelled as Prometheus/Mimir store them', () => {
    expect(prometheus.length).toBeGreaterThan(10);
    for (const { panel, query } of prometheus) {
      const { metrics } = referencesOf(query);
      expect(metrics.size, `${panel}: ${query}`).toBeGreaterThan(0);
      for (const metric of metrics) expect(exported, `${panel} uses ${metric}`).toContain(metric);
    }
  });

  it('covers RED metrics, uploads, pipeline steps, security events and the GenAI agent', () => {
    const used = new Set(prometheus.flatMap((q) => [...referencesOf(q.query).metrics]));
    for (const metric of [
      'http_server_request_duration_seconds_count',
      'http_server_request_duration_seconds_bucket',
      'photovault_uploads_total',
      'photovault_pipeline_step_duration_seconds_bucket',
      'photovault_scan_duration_seconds_bucket',
      'photovault_moderation_duration_seconds_bucket',
      'photovault_job_queue_depth',
      'photovault_auth_failures_total',
      'photovault_csrf_rejections_total',
      'photovault_throttled_total',
      'gen_ai_client_token_usage_sum',
      'gen_ai_client_operation_duration_seconds_bucket',
    ]) {
      expect(used, metric).toContain(metric);
    }
    expect(queries.some((q) => q.datasource === 'loki' && q.query.includes('csrf_rejected'))).toBe(true);
    expect(queries.some((q) => q.datasource === 'tempo' && q.query.includes('/photos/upload/'))).toBe(true);
  });
});
