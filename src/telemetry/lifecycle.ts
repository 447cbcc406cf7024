/**
 * Telemetry state shared between the `--import` bootstrap and the app. It lives on globalThis under
 * a registry symbol because the bootstrap and the app may load this module as two instances (e.g.
 * through different loaders), yet must agree on whether the SDK runs and how to stop it.
 */
interface TelemetryState {
  active: boolean;
  shutdown: (() => Promise<void>) | undefined;
}

const STATE_KEY = Symbol.for('photovault.telemetry');

function state(): TelemetryState {
  const holder = globalThis as typeof globalThis & { [STATE_KEY]?: TelemetryState };
  holder[STATE_KEY] ??= { active: false, shutdown: undefined };
  return holder[STATE_KEY];
}

/** Whether the OpenTelemetry SDK was started for this process (false means every API call is a no-op). */
export function isTelemetryActive(): boolean {
  return state().active;
}

/** Called once by the bootstrap after the SDK has started. */
export function markTelemetryStarted(shutdown: () => Promise<void>): void {
  const current = state();
  current.active = true;
  current.shutdown = shutdown;
}

/** Flushes and stops the SDK (the last batch of spans, metrics and logs); safe to call when it never started. */
export async function shutdownTelemetry(): Promise<void> {
  const current = state();
  const shutdown = current.shutdown;
  current.shutdown = undefined;
  current.active = false;
  if (shutdown) await shutdown();
}
