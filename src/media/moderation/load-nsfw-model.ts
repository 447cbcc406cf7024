import { createRequire } from 'node:module';
import path from 'node:path';
import type { io } from '@tensorflow/tfjs';
import { foldKerasModel, type FoldedModel, type KerasModelJson } from './fold-keras-model.js';

export type Tfjs = typeof import('@tensorflow/tfjs');

export interface LoadedNsfwModel {
  readonly tf: Tfjs;
  /** nsfwjs's MobileNetV2 with its batch normalisations and ReLU6s folded into the convolutions. */
  readonly model: FoldedModel;
}

/** nsfwjs's bundled MobileNetV2 as stored: the Keras topology and the weights' specs and bytes. */
export interface BundledNsfwModel {
  readonly modelJson: io.ModelJSON;
  readonly weightSpecs: io.WeightsManifestEntry[];
  readonly weightData: ArrayBuffer;
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
 * The model runs folded (fold-keras-model.ts), not through tfjs-layers: the same arithmetic in
 * about half the passes over memory.
 */
async function loadModel(): Promise<LoadedNsfwModel> {
  // Loaded lazily: tfjs costs ~0.3 s to import and nothing needs it until the first classification.
  const tf = await import('@tensorflow/tfjs');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');

  if (tf.getBackend() !== 'wasm') {
    const require = createRequire(import.meta.url);
    const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    // A file-system prefix: Emscripten reads the .wasm with fs instead of fetching a URL. tfjs picks
    // the -simd.wasm file from it (WebAssembly SIMD is on in Node); the threaded one needs Web Workers.
    wasm.setWasmPaths(`${wasmDir}${path.sep}`);
    await withProcessHandlersKept(async () => {
      if (!(await tf.setBackend('wasm'))) throw new Error('The tfjs WebAssembly backend could not start.');
      await tf.ready();
    });
  }

  const { modelJson, weightSpecs, weightData } = await readBundledNsfwModel();
  const model = foldKerasModel(tf, modelJson.modelTopology as KerasModelJson, tf.io.decodeWeights(weightData, weightSpecs));
  // The first pass pays for XNNPACK's operator set-up (weights repacked per convolution); done
  // here, so no photo's classification carries it.
  tf.tidy(() => model.predict(tf.zeros([1, ...model.inputShape])).dataSync());
  return { tf, model };
}

/** Reads the bundled model: the modules nsfwjs ships, weights decoded from base64, no I/O. */
export async function readBundledNsfwModel(): Promise<BundledNsfwModel> {
  const { MobileNetV2Model } = (await import('nsfwjs/models/mobilenet_v2')) as { MobileNetV2Model: BundledModel };
  const bundled: BundledModel = MobileNetV2Model;
  const modelJson = (await bundled.modelJson()).default;
  const shards = await Promise.all(bundled.weightBundles.map(async (bundle) => Buffer.from((await bundle()).default, 'base64')));
  // The bundles are the manifest's shards in order (nsfwjs names them group1-shard<i>of<n>).
  const paths = modelJson.weightsManifest.flatMap((group) => group.paths);
  if (paths.length !== shards.length) throw new Error(`nsfwjs model expects ${paths.length} weight shards, found ${shards.length}.`);
  return { modelJson, weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights), weightData: concatenate(shards) };
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
