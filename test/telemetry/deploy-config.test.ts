import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const deploy = (file: string) => fileURLToPath(new URL(`../../deploy/${file}`, import.meta.url));
const readYaml = (file: string) => parse(readFileSync(deploy(file), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('deploy/otel-collector.yaml', () => {
  const config = readYaml('otel-collector.yaml');

  it('receives OTLP over gRPC and HTTP', () => {
    expect(config.receivers.otlp.protocols.grpc.endpoint).toBe('0.0.0.0:4317');
    expect(config.receivers.otlp.protocols.http.endpoint).toBe('0.0.0.0:4318');
  });

  it('batches and detects resources in every pipeline, and sends traces to Tempo, metrics to Mimir/Prometheus and logs to Loki', () => {
    const pipelines = config.service.pipelines as Record<string, { receivers: string[]; processors: string[]; exporters: string[] }>;
    expect(Object.keys(pipelines).sort()).toEqual(['logs', 'metrics', 'traces']);
    for (const pipeline of Object.values(pipelines)) {
      expect(pipeline.receivers).toEqual(['otlp']);
      expect(pipeline.processors).toContain('resourcedetection');
      expect(pipeline.processors.at(-1)).toBe('batch');
      for (const processor of pipeline.processors) expect(config.processors).toHaveProperty([processor]);
      for (const exporter of pipeline.exporters) expect(config.exporters).toHaveProperty([exporter]);
    }
    expect(pipelines.traces?.exporters).toEqual(['otlp/tempo']);
    expect(pipelines.metrics?.exporters).toEqual(['otlphttp/metrics']);
    expect(pipelines.logs?.exporters).toEqual(['otlphttp/loki']);
  });
});

describe('deploy/compose.yaml', () => {
  const compose = readYaml('compose.yaml');
  const services = compose.services as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  it('runs photovault with PostgreSQL, ClamAV, a collector and grafana/otel-lgtm', () => {
    expect(Object.keys(services).sort()).toEqual(['clamav', 'lgtm', 'otel-collector', 'photovault', 'postgres']);
    expect(services.lgtm.image).toMatch(/^grafana\/otel-lgtm:/);
    expect(services.photovault.environment).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
      OTEL_SERVICE_NAME: 'photovault',
      CLAMAV_HOST: 'clamav',
    });
    expect(services.photovault.environment.DATABASE_URL).toMatch(/^postgres:\/\/photovault:.*@postgres:5432\/photovault$/);
  });

  it('gives every collector exporter its endpoint and mounts files that exist', () => {
    const collector = readYaml('otel-collector.yaml');
    const variables = JSON.stringify(collector.exporters).match(/\$\{env:([A-Z_]+)\}/g) ?? [];
    expect(variables.length).toBe(3);
    for (const variable of variables) expect(services['otel-collector'].environment).toHaveProperty([variable.slice(6, -1)]);
    for (const service of Object.values(services)) {
      for (const volume of (service.volumes ?? []) as string[]) {
        const source = volume.split(':')[0] ?? '';
        if (source.startsWith('./')) expect(existsSync(deploy(source.slice(2))), volume).toBe(true);
      }
    }
  });

  it('provisions the dashboard folder the lgtm service mounts', () => {
    const provider = readYaml('grafana/provisioning/photovault-dashboards.yaml');
    const mounts = services.lgtm.volumes as string[];
    const dashboardsMount = mounts.find((m) => m.startsWith('./grafana/dashboards:'));
    expect(dashboardsMount?.split(':')[1]).toBe(provider.providers[0].options.path);
  });
});
