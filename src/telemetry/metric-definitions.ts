/** One instrument of the app's own: what the SDK exports (Prometheus names derive from these). */
export interface MetricDefinition {
  readonly name: string;
  readonly unit: string;
  readonly kind: 'counter' | 'histogram' | 'gauge';
  readonly description: string;
}

/**
 * Every metric photovault records itself. Names follow OpenTelemetry's conventions (dots,
 * UCUM units, annotations in braces); a collector writing to Prometheus/Mimir turns
 * `photovault.uploads` + `{upload}` into `photovault_uploads_total` and
 * `photovault.scan.duration` + `s` into `photovault_scan_duration_seconds_*`.
 */
export const METRIC_DEFINITIONS = {
  uploads: { name: 'photovault.uploads', unit: '{upload}', kind: 'counter', description: 'Uploads by final outcome (accepted, held_moderation, rejected_*, failed).' },
  authFailures: { name: 'photovault.auth.failures', unit: '{failure}', kind: 'counter', description: 'Refused logins and API tokens.' },
  csrfRejections: { name: 'photovault.csrf.rejections', unit: '{rejection}', kind: 'counter', description: 'Requests refused by the CSRF checks.' },
  throttled: { name: 'photovault.throttled', unit: '{request}', kind: 'counter', description: 'Requests answered 429 by a throttle or rate limit.' },
  stepDuration: { name: 'photovault.pipeline.step.duration', unit: 's', kind: 'histogram', description: 'Duration of each upload-pipeline step.' },
  scanDuration: { name: 'photovault.scan.duration', unit: 's', kind: 'histogram', description: 'Malware scan latency per file.' },
  moderationDuration: { name: 'photovault.moderation.duration', unit: 's', kind: 'histogram', description: 'Moderation model latency per photo.' },
  queueDepth: { name: 'photovault.job.queue.depth', unit: '{job}', kind: 'gauge', description: 'Background jobs queued or running, per kind.' },
  jobsFailed: { name: 'photovault.job.failed', unit: '{job}', kind: 'gauge', description: 'Jobs that failed for good and are still kept (JOB_FAILED_RETENTION_DAYS), per kind.' },
  jobAge: { name: 'photovault.job.queue.age', unit: 's', kind: 'gauge', description: 'How long the oldest due job of each kind has been waiting.' },
  dependencyUp: { name: 'photovault.dependency.up', unit: '{dependency}', kind: 'gauge', description: 'Whether each dependency answers its readiness check (1) or not (0), per dependency.' },
  captions: { name: 'photovault.captions', unit: '{caption}', kind: 'counter', description: 'Caption agent results by outcome.' },
} as const satisfies Record<string, MetricDefinition>;
