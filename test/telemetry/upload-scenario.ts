import { createTestDatabase, type Dialect } from '../support/databases.js';
import { captionReply, startFakeOpenAiServer, type RecordedChatRequest } from '../support/fake-openai-server.js';
import { makePhotoJpeg } from '../support/images.js';
import { startOtlpReceiver, type ReceivedLog, type ReceivedMetric, type ReceivedSpan } from '../support/otlp-receiver.js';
import { HttpSession } from './http-session.js';
import { startTracedServer } from './traced-server.js';

export const MODEL = 'vision-test';
export const ALT_TEXT = 'A gradient of warm colours over a calm harbour.';
export const CAPTION = 'Harbour at dusk';
const API_KEY = 'sk-scenario-5f1e0d9c8b7a';
const USERNAME = 'alice_otel';
const EMAIL = 'alice.otel@example.com';
const PASSWORD = 'violet-harbour-lantern-1987';

export interface ScenarioResult {
  readonly spans: ReceivedSpan[];
  readonly metrics: ReceivedMetric[];
  readonly logs: ReceivedLog[];
  readonly contentTypes: Set<string>;
  readonly signals: Set<string>;
  readonly stdout: string[];
  readonly exitCode: number | null;
  readonly photoId: string;
  readonly modelRequests: RecordedChatRequest[];
  /** Values that must never appear in telemetry: credentials, cookies, tokens, personal data. */
  readonly secrets: string[];
}

/**
 * One user's session against the real server in a child process with telemetry on, exporting to
 * an OTLP receiver in this process: sign up, log in, upload a photo and wait until the caption
 * agent has described it; then an attacker's failed logins (lockout, 429) and a forged
 * cross-site POST. The server is stopped gracefully, so its last batches are flushed.
 */
export async function runUploadScenario(protocol: 'http/json' | 'http/protobuf', dialect: Dialect): Promise<ScenarioResult> {
  const receiver = await startOtlpReceiver();
  const model = await startFakeOpenAiServer(captionReply(ALT_TEXT, CAPTION));
  const database = await createTestDatabase(dialect);
  try {
    const server = await startTracedServer({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: database.dataDir,
      DATABASE_URL: database.url,
      LOG_LEVEL: 'info',
      MODERATION_ENABLED: 'true',
      LOGIN_ACCOUNT_MAX_FAILURES: '1',
      CAPTION_MODEL: MODEL,
      OPENAI_BASE_URL: model.baseUrl,
      OPENAI_API_KEY: API_KEY,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_SERVICE_NAME: 'photovault',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_BLRP_SCHEDULE_DELAY: '200',
    });
    let photoId = '';
    let exitCode: number | null = null;
    const secrets = [PASSWORD, API_KEY, EMAIL];
    try {
      const alice = new HttpSession(server.origin);
      expectStatus(await alice.submit('/accounts/signup/', { username: USERNAME, email: EMAIL, password1: PASSWORD, password2: PASSWORD }), 303);
      expectStatus(await alice.submit('/accounts/login/', { username: USERNAME, password: PASSWORD, next: '' }), 303);
      secrets.push(...alice.cookies.values(), await alice.csrfFrom('/photos/upload/'));
      const upload = await alice.upload(await makePhotoJpeg(1200, 800));
      expectStatus(upload, 303);
      photoId = /^\/photos\/([0-9a-f]{32})\/$/.exec(upload.headers.get('location') ?? '')?.[1] ?? '';
      await waitFor(async () => (await alice.request(`/photos/${photoId}/`)).text.includes(`alt="${ALT_TEXT}"`), 30_000);

      const mallory = new HttpSession(server.origin);
      expectStatus(await mallory.submit('/accounts/login/', { username: USERNAME, password: 'not-the-password-42', next: '' }), 401);
      expectStatus(await mallory.submit('/accounts/login/', { username: USERNAME, password: 'not-the-password-42', next: '' }), 429);
      const forged = await mallory.request('/accounts/logout/', { method: 'POST', body: '', headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' } });
      expectStatus(forged, 403);
      // One more metrics export with everything above in it (the final one comes at shutdown).
      await new Promise((resolve) => setTimeout(resolve, 1200));
    } finally {
      exitCode = await server.stop();
    }
    return {
      spans: receiver.spans,
      metrics: receiver.metrics,
      logs: receiver.logs,
      contentTypes: new Set(receiver.requests.map((r) => r.contentType)),
      signals: new Set(receiver.requests.map((r) => r.signal)),
      stdout: server.stdout,
      exitCode,
      photoId,
      modelRequests: model.requests,
      secrets,
    };
  } finally {
    await Promise.all([receiver.close(), model.close()]);
    await database.drop();
  }
}

function expectStatus(response: { status: number; text: string }, status: number): void {
  if (response.status !== status) throw new Error(`expected HTTP ${status}, got ${response.status}: ${response.text.slice(0, 300)}`);
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('timed out waiting for the photo to be described');
}
