import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { CONFIG_ENV_NAMES, loadConfig } from '../../src/config/config.js';
import { startCommand } from '../../scripts/lib/start-command.js';
import { createTestApp, type TestApp } from '../support/app.js';

/**
 * The deployment files (deploy/compose.scale.yaml, deploy/k8s/) checked against the code they
 * deploy: every variable they set is one photovault (or the OpenTelemetry SDK) reads, every probe
 * answers 200, every image is pinned, limits match the app's, and the hardening is in place.
 */
const DEPLOY = path.resolve(import.meta.dirname, '..', '..', 'deploy');

// The standard OpenTelemetry variables the deployment files set (read by the SDK, not by loadConfig).
const OTEL_NAMES = ['OTEL_SERVICE_NAME', 'OTEL_RESOURCE_ATTRIBUTES', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_METRIC_EXPORT_INTERVAL'];
const KNOWN_NAMES = new Set([...CONFIG_ENV_NAMES, ...OTEL_NAMES]);
// Values that must come from a Secret or an env file, never a literal in the manifests.
const SECRET_NAMES = ['SECRET_KEY', 'DATABASE_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'OPENAI_API_KEY', 'SMTP_URL', 'POSTGRES_PASSWORD', 'MINIO_ROOT_PASSWORD'];
// A version tag (1.28.0-alpine, 16.9-alpine, 0.128.0, MinIO's RELEASE.<date>), optionally with a
// digest; or any tag but latest with a digest (the Dockerfile's node:24-bookworm-slim@sha256:…).
const VERSION_TAGGED = /^[a-z0-9][a-z0-9./_-]*:(?:v?\d+\.\d+(?:\.\d+)?(?:-[a-z0-9.]+)?|RELEASE\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z)(?:@sha256:[0-9a-f]{64})?$/;
const DIGEST_PINNED = /^[a-z0-9][a-z0-9./_-]*:(?!latest@)[\w.-]+@sha256:[0-9a-f]{64}$/;
const pinned = (image: string) => VERSION_TAGGED.test(image) || DIGEST_PINNED.test(image);
const MiB = 1024 * 1024;
// Scale-out settings need a SECRET_KEY; the files take it from an env file or a Secret.
const KEY = 'k'.repeat(40);

// Web-only instances run `npm start`'s command with a 1 MB semi-space (docs/scale-out.md, "Memory of
// a web instance"): the flag replaced in the command itself, once. NODE_OPTIONS would not do: node
// reads it before the command's flags, and of a repeated V8 flag the last one wins.
const SEMI_SPACE = /^--max-semi-space-size=/;
const webOnlyCommand = () => ['node', ...startCommand().args.map((arg) => (SEMI_SPACE.test(arg) ? '--max-semi-space-size=1' : arg))];

function expectWebOnlyCommand(command: readonly string[] | undefined, env: Record<string, unknown>): void {
  expect(command).toEqual(webOnlyCommand());
  expect(command?.filter((arg) => SEMI_SPACE.test(arg))).toEqual(['--max-semi-space-size=1']);
  expect(env['NODE_OPTIONS']).toBeUndefined();
}

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  deploy?: { replicas?: number };
  read_only?: boolean;
  cap_drop?: string[];
  user?: string;
  security_opt?: string[];
}

interface Container {
  name: string;
  image: string;
  command?: string[];
  env?: { name: string; value?: string }[];
  envFrom?: ({ configMapRef: { name: string } } | { secretRef: { name: string } })[];
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; runAsNonRoot?: boolean; capabilities?: { drop?: string[] } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  startupProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
}

interface PodSpec {
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } };
  automountServiceAccountToken?: boolean;
  containers: Container[];
}

interface K8sObject {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: { replicas?: number; template?: { spec: PodSpec } };
  data?: Record<string, string>;
}

/** NAME=value lines of an env file (comments and blank lines skipped). */
async function envFile(file: string): Promise<Record<string, string>> {
  const text = await readFile(file, 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** A size as nginx writes it (501m, 10k, 1g, bytes). */
function nginxSize(value: string): number {
  const match = /^(\d+)([kmg]?)$/i.exec(value.trim());
  if (!match) throw new Error(`not an nginx size: ${value}`);
  return Number(match[1]) * { '': 1, k: 1024, m: MiB, g: 1024 * MiB }[(match[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g'];
}

/** The largest request the app accepts: an upload form post of maxFiles files of maxBytes, plus 1 MiB of fields and framing. */
function appRequestLimit(env: Record<string, string>): number {
  const { upload } = loadConfig({ ...env, SECRET_KEY: KEY });
  return upload.maxFiles * upload.maxBytes + MiB;
}

const compose = async (): Promise<Record<string, ComposeService>> =>
  (parse(await readFile(path.join(DEPLOY, 'compose.scale.yaml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> }).services;

/** Every object of every manifest in deploy/k8s (the kustomization itself apart). */
async function k8sObjects(): Promise<K8sObject[]> {
  const files = (await readdir(path.join(DEPLOY, 'k8s'))).filter((name) => name.endsWith('.yaml') && name !== 'kustomization.yaml');
  const texts = await Promise.all(files.map((name) => readFile(path.join(DEPLOY, 'k8s', name), 'utf8')));
  return texts.flatMap((text) => parseAllDocuments(text).map((doc) => doc.toJS() as K8sObject));
}

const podSpecs = (objects: readonly K8sObject[]) => objects.flatMap((o) => (o.spec?.template ? [{ name: `${o.kind}/${o.metadata.name}`, spec: o.spec.template.spec }] : []));
const byName = (objects: readonly K8sObject[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return found;
};
const isApp = (service: ComposeService) => service.image?.startsWith('photovault:') === true;

describe('deploy/compose.scale.yaml', () => {
  it('sets only variables photovault or the OpenTelemetry SDK reads, secrets only through env files', async () => {
    const services = await compose();
    const apps = Object.entries(services).filter(([, s]) => isApp(s));
    expect(apps.map(([name]) => name).sort()).toEqual(['migrate', 'web', 'worker']);
    for (const [name, service] of apps) {
      const fromFiles = await Promise.all((service.env_file ?? []).map((file) => envFile(path.join(DEPLOY, `${file}.example`))));
      const names = [...Object.keys(service.environment ?? {}), ...fromFiles.flatMap((env) => Object.keys(env))];
      expect(names.filter((n) => !KNOWN_NAMES.has(n)), `unknown variables in ${name}`).toEqual([]);
      expect(names).toEqual(expect.arrayContaining(['SECRET_KEY', 'DATABASE_URL', 'REDIS_URL', 'S3_BUCKET', 'AWS_ACCESS_KEY_ID', 'OTEL_EXPORTER_OTLP_ENDPOINT']));
    }
    for (const [name, service] of Object.entries(services)) {
      expect(Object.keys(service.environment ?? {}).filter((n) => SECRET_NAMES.includes(n)), `secret literal in ${name}`).toEqual([]);
    }
  });

  it('gives a configuration the app accepts (example env files included)', async () => {
    const services = await compose();
    for (const service of Object.values(services).filter(isApp)) {
      const files = await Promise.all((service.env_file ?? []).map((file) => envFile(path.join(DEPLOY, `${file}.example`))));
      const env = Object.assign({}, ...files, service.environment, { SECRET_KEY: KEY }) as Record<string, string>;
      const config = loadConfig(env);
      expect(config.database.dialect).toBe('postgres');
      expect(config.redis?.url).toBe('redis://redis:6379/0');
      expect(config.s3).toMatchObject({ bucket: 'photovault-media', forcePathStyle: true, endpoint: 'http://minio:9000' });
    }
  });

  it('runs 2+ web replicas without the job worker, 2 workers as `npm run worker`, and a migration step', async () => {
    const { web, worker, migrate, proxy } = await compose();
    expect(web?.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(web?.environment?.['WORKER_IN_PROCESS']).toBe('false');
    expect(loadConfig({ ...web?.environment, SECRET_KEY: KEY }).worker.inProcess).toBe(false);
    expect(worker?.deploy?.replicas).toBe(2);
    expect(worker?.command).toEqual(['node', ...startCommand([], 'worker').args]);
    expectWebOnlyCommand(web?.command, web?.environment ?? {});
    expect(migrate?.command).toEqual(['node', 'dist/migrate.js']);
    const scripts = (JSON.parse(await readFile(path.join(DEPLOY, '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['migrate']).toBe('node dist/migrate.js');
    expect(proxy?.image).toMatch(/nginx/);
  });

  it('limits request bodies in the proxy to exactly the app default limit', async () => {
    const nginx = await readFile(path.join(DEPLOY, 'scale', 'nginx.conf'), 'utf8');
    const sizes = [...nginx.matchAll(/^\s*client_max_body_size\s+(\S+);/gm)].map((m) => nginxSize(m[1] ?? ''));
    expect(sizes).toEqual([appRequestLimit({})]);
    const { web } = await compose();
    expect(appRequestLimit(web?.environment ?? {})).toBe(appRequestLimit({}));
    expect(nginx).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/);
  });

  it('runs the app and the proxy read-only, without capabilities, as non-root', async () => {
    const services = await compose();
    for (const [name, service] of Object.entries(services).filter(([n, s]) => isApp(s) || n === 'proxy')) {
      expect(service.read_only, name).toBe(true);
      expect(service.cap_drop, name).toEqual(['ALL']);
      expect(service.security_opt, name).toContain('no-new-privileges:true');
      if (isApp(service)) expect(service.user, name).toBe('1000:1000');
    }
  });
});

describe('deploy/k8s', () => {
  it('sets only variables photovault or the OpenTelemetry SDK reads; secrets only in the Secret', async () => {
    const objects = await k8sObjects();
    const configMap = byName(objects, 'ConfigMap', 'photovault-config');
    const secretNames = Object.keys(await envFile(path.join(DEPLOY, 'k8s', 'secret.env.example')));
    const names = [...Object.keys(configMap.data ?? {}), ...secretNames, ...podSpecs(objects).flatMap(({ spec }) => spec.containers.flatMap((c) => (c.env ?? []).map((e) => e.name)))];
    expect(names.filter((n) => !KNOWN_NAMES.has(n))).toEqual([]);
    expect(Object.keys(configMap.data ?? {}).filter((n) => SECRET_NAMES.includes(n) || n === 'REDIS_URL')).toEqual([]);
    expect(secretNames).toEqual(expect.arrayContaining(['SECRET_KEY', 'DATABASE_URL', 'REDIS_URL', 'AWS_SECRET_ACCESS_KEY']));
    const kustomization = parse(await readFile(path.join(DEPLOY, 'k8s', 'kustomization.yaml'), 'utf8')) as { secretGenerator: { name: string; envs: string[] }[] };
    expect(kustomization.secretGenerator).toEqual([{ name: 'photovault-secrets', envs: ['secret.env'] }]);
    for (const { name, spec } of podSpecs(objects)) {
      for (const container of spec.containers) {
        expect(container.envFrom, name).toEqual([{ configMapRef: { name: 'photovault-config' } }, { secretRef: { name: 'photovault-secrets' } }]);
      }
    }
    const env = { ...configMap.data, ...(await envFile(path.join(DEPLOY, 'k8s', 'secret.env.example'))), SECRET_KEY: KEY };
    expect(loadConfig(env)).toMatchObject({ database: { dialect: 'postgres' }, s3: { bucket: 'photovault-media' }, redis: { keyPrefix: 'photovault' } });
  });

  it('runs 2 web replicas without the job worker, 2 workers, a migration Job, with budgets', async () => {
    const objects = await k8sObjects();
    const web = byName(objects, 'Deployment', 'photovault-web');
    const worker = byName(objects, 'Deployment', 'photovault-worker');
    expect(web.spec?.replicas).toBe(2);
    expect(web.spec?.template?.spec.containers[0]?.env).toContainEqual({ name: 'WORKER_IN_PROCESS', value: 'false' });
    expect(worker.spec?.replicas).toBe(2);
    expect(worker.spec?.template?.spec.containers[0]?.command).toEqual(['node', ...startCommand([], 'worker').args]);
    const webContainer = web.spec?.template?.spec.containers[0];
    const webEnv = { ...byName(objects, 'ConfigMap', 'photovault-config').data, ...Object.fromEntries((webContainer?.env ?? []).map((e) => [e.name, e.value])) };
    expectWebOnlyCommand(webContainer?.command, webEnv);
    expect(byName(objects, 'Job', 'photovault-migrate').spec?.template?.spec.containers[0]?.command).toEqual(['node', 'dist/migrate.js']);
    expect(objects.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata.name).sort()).toEqual(['photovault-web', 'photovault-worker']);
    expect(objects.some((o) => o.kind === 'Service' && o.metadata.name === 'photovault-web')).toBe(true);
    expect(objects.filter((o) => o.kind === 'NetworkPolicy').length).toBeGreaterThan(0);
  });

  it('limits request bodies at the Ingress to exactly the app default limit, with TLS', async () => {
    const objects = await k8sObjects();
    const ingress = byName(objects, 'Ingress', 'photovault') as K8sObject & { spec: { tls?: unknown[] } };
    expect(nginxSize(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-body-size'] ?? '')).toBe(appRequestLimit({}));
    expect(appRequestLimit(byName(objects, 'ConfigMap', 'photovault-config').data ?? {})).toBe(appRequestLimit({}));
    expect(ingress.spec.tls?.length).toBeGreaterThan(0);
  });

  it('hardens every pod: non-root, read-only root filesystem, no privilege escalation, no capabilities, resources set', async () => {
    const pods = podSpecs(await k8sObjects());
    expect(pods.length).toBe(3);
    for (const { name, spec } of pods) {
      expect(spec.securityContext?.runAsNonRoot, name).toBe(true);
      expect(spec.securityContext?.seccompProfile?.type, name).toBe('RuntimeDefault');
      expect(spec.automountServiceAccountToken, name).toBe(false);
      for (const container of spec.containers) {
        expect(container.securityContext, name).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
        expect(container.resources?.requests?.['memory'], name).toBeDefined();
        expect(container.resources?.limits?.['memory'], name).toBeDefined();
      }
    }
  });
});

describe('deployment images', () => {
  it('are pinned to a version (never latest or another moving tag)', async () => {
    const images: string[] = [];
    for (const file of (await readdir(DEPLOY)).filter((name) => /^compose.*\.yaml$/.test(name))) {
      const services = (parse(await readFile(path.join(DEPLOY, file), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> }).services;
      images.push(...Object.values(services).flatMap((s) => (s.image ? [s.image] : [])));
    }
    images.push(...podSpecs(await k8sObjects()).flatMap(({ spec }) => spec.containers.map((c) => c.image)));
    const kustomization = parse(await readFile(path.join(DEPLOY, 'k8s', 'kustomization.yaml'), 'utf8')) as { images: { newName: string; newTag: string }[] };
    images.push(...kustomization.images.map((i) => `${i.newName}:${i.newTag}`));
    const dockerfile = await readFile(path.join(DEPLOY, 'Dockerfile'), 'utf8');
    images.push(...[...dockerfile.matchAll(/^ARG NODE_IMAGE=(\S+)$/gm)].map((m) => m[1] ?? ''));
    expect(images.length).toBeGreaterThan(10);
    expect(images.filter((image) => !pinned(image))).toEqual([]);
    expect(['nginx:latest', 'nginx', 'redis:7-alpine', 'minio/minio:latest', 'x:latest@sha256:' + '0'.repeat(64)].filter(pinned)).toEqual([]);
    // The photovault image is tagged with package.json's version.
    const { version } = JSON.parse(await readFile(path.join(DEPLOY, '..', 'package.json'), 'utf8')) as { version: string };
    expect(images.filter((image) => image.startsWith('photovault:'))).toEqual(expect.arrayContaining([`photovault:${version}`]));
    for (const image of images.filter((i) => i.startsWith('photovault:'))) expect(image).toBe(`photovault:${version}`);
  });
});

describe('deployment probes and health checks', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(() => t.close());

  it('point at routes that answer 200', async () => {
    const services = await compose();
    const paths = new Set<string>();
    for (const [name, service] of Object.entries(services).filter(([n, s]) => isApp(s) || n === 'proxy')) {
      if (service.healthcheck?.disable) continue;
      const urls = (service.healthcheck?.test ?? []).join(' ').match(/http:\/\/127\.0\.0\.1:\d+\/[^'"\s)]*/g) ?? [];
      expect(urls.length, `health check of ${name}`).toBe(1);
      paths.add(new URL(urls[0] ?? '').pathname);
    }
    for (const { spec } of podSpecs(await k8sObjects())) {
      for (const c of spec.containers) for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) if (probe?.httpGet) paths.add(probe.httpGet.path);
    }
    expect([...paths].sort()).toEqual(['/healthz', '/readyz']);
    for (const url of paths) expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
  });
});

describe('deploy/scale/make-secrets.sh', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'photovault-secrets-'));
    await cp(path.join(DEPLOY, 'scale'), dir, { recursive: true });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes each env file the compose file names, with the variables of its example, private, matching passwords', async () => {
    execFileSync('sh', [path.join(dir, 'make-secrets.sh')], { stdio: 'pipe' });
    const services = await compose();
    const files = new Set(Object.values(services).flatMap((s) => s.env_file ?? []).map((file) => path.basename(file)));
    expect([...files].sort()).toEqual(['app.env', 'minio.env', 'postgres.env', 's3.env']);
    for (const file of files) {
      const written = await envFile(path.join(dir, file));
      expect(Object.keys(written).sort(), file).toEqual(Object.keys(await envFile(path.join(dir, `${file}.example`))).sort());
      expect(Object.values(written).join(' '), file).not.toContain('change-me');
      const { mode } = await stat(path.join(dir, file));
      expect(mode & 0o077, file).toBe(0);
    }
    const app = await envFile(path.join(dir, 'app.env'));
    const postgres = await envFile(path.join(dir, 'postgres.env'));
    expect(new URL(app['DATABASE_URL'] ?? '').password).toBe(postgres['POSTGRES_PASSWORD']);
    const config = loadConfig({ ...app, ...(await envFile(path.join(dir, 's3.env'))), S3_BUCKET: 'photovault-media' });
    expect(config.secretKey?.length).toBeGreaterThanOrEqual(32);
    // A second run keeps what exists.
    const before = await readFile(path.join(dir, 'app.env'), 'utf8');
    execFileSync('sh', [path.join(dir, 'make-secrets.sh')], { stdio: 'pipe' });
    expect(await readFile(path.join(dir, 'app.env'), 'utf8')).toBe(before);
  });
});
