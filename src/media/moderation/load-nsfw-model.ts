import { createRequire } from 'node:module';
import path from 'node:path';
import type { io } from '@tensorflow/tfjs';
import type { NSFWJS } from 'nsfwjs/core';

export type Tfjs = typeof import('@tensorflow/tfjs');

export interface LoadedNsfwModel {
  readonly tf: Tfjs;
  readonly model: NSFWJS;
}

// The shape of nsfwjs's bundled model modules (its own .d.ts does not resolve under NodeNext).
interface BundledModel {
  modelJson: () => Promise<{ default: io.ModelJSON }>;
  weightBundles: ReadonlyArray<() => Promise<{ default: string }>>;
}

/** The input edge MobileNetV2 was trained on. */
export const NSFW_INPUT_SIZE = 224;

let loading: Promise<LoadedNsfwModel> | undefined;

/** The process-wide model, loaded on first call; a failed load is retried by the next call. */
export function loadNsfwModel(): Promise<LoadedNsfwModel> {
  loading ??= loadModel().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/**
 * Loads nsfwjs's MobileNetV2 from the JS modules bundled in the npm package, on tfjs's WebAssembly
 * backend read from node_modules: nothing is fetched at run time (no model or binary download to
 * trust, and none needed offline). The pure-JS cpu backend is ~20× slower, so a wasm failure throws.
 */
async function loadModel(): Promise<LoadedNsfwModel> {
  // Loaded lazily: tfjs costs ~0.3 s to import and nothing needs it until the first classification.
  const tf = await import('@tensorflow/tfjs');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const { NSFWJS } = await import('nsfwjs/core');
  const { MobileNetV2Model } = (await import('nsfwjs/models/mobilenet_v2')) as { MobileNetV2Model: BundledModel };

  if (tf.getBackend() !== 'wasm') {
    const require = createRequire(import.meta.url);
    const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    // A file-system prefix: Emscripten reads the .wasm with fs instead of fetching a URL.
    wasm.setWasmPaths(`${wasmDir}${path.sep}`);
    await withProcessHandlersKept(async () => {
      if (!(await tf.setBackend('wasm'))) throw new Error('The tfjs WebAssembly backend could not start.');
      await tf.ready();
    });
  }

  const bundled: BundledModel = MobileNetV2Model;
  const modelJson = (await bundled.modelJson()).default;
  const shards = await Promise.all(bundled.weightBundles.map(async (bundle) => Buffer.from((await bundle()).default, 'base64')));
  // Built from memory rather than nsfwjs's load(), which also looks for weights in global variables.
  // The bundles are the manifest's shards in order (nsfwjs names them group1-shard<i>of<n>).
  const paths = modelJson.weightsManifest.flatMap((group) => group.paths);
  if (paths.length !== shards.length) throw new Error(`nsfwjs model expects ${paths.length} weight shards, found ${shards.length}.`);
  const handler = tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
    weightData: concatenate(shards),
  });
  const model = new NSFWJS(handler, { size: NSFW_INPUT_SIZE });
  await model.load();
  return { tf, model };
}

// Emscripten's glue adds process-wide uncaughtException/unhandledRejection handlers that rethrow,
// which would override the application's own crash and logging policy; they are removed again.
async function withProcessHandlersKept(run: () => Promise<void>): Promise<void> {
  const uncaught = process.listeners('uncaughtException');
  const unhandled = process.listeners('unhandledRejection');
  try {
    await run();
  } finally {
    for (const listener of process.listeners('uncaughtException')) {
      if (!uncaught.includes(listener)) process.removeListener('uncaughtException', listener);
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!unhandled.includes(listener)) process.removeListener('unhandledRejection', listener);
    }
  }
}

function concatenate(parts: Buffer[]): ArrayBuffer {
  const joined = Buffer.concat(parts);
  return joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);
}
