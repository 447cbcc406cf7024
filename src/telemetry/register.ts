/**
 * The telemetry bootstrap, loaded before the app: `node --import ./dist/telemetry/register.js dist/server.js`.
 * It loads the OpenTelemetry SDK only when some signal has a destination (see selectSignals), so
 * without OTEL_* endpoints it costs one small module and no instrumentation at all.
 */
import { anySignal, selectSignals } from './telemetry-env.js';

const signals = selectSignals(process.env);
if (anySignal(signals)) {
  const { startTelemetry } = await import('./start-sdk.js');
  await startTelemetry(signals);
}
