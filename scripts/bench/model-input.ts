/**
 * The moderation model's input, measured (issue 18): verdicts and CPU of the current input (the
 * thumbnail JPEG decoded and stretched to 224 px with lanczos3) against cheaper kernels, the
 * transform's own thumbnail pixels, and the same network at 192 and 160 px.
 * `npx tsx scripts/bench/model-input.ts [folder of extra images…]`. Scores are the folded model's,
 * batch 1; CPU is process.cpuUsage() (every thread), medians of interleaved rounds. A measurement
 * tool, not part of the app: nothing here changes what the app feeds the model.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp, { type KernelEnum } from 'sharp';
import type * as tfjs from '@tensorflow/tfjs';
import { transformImage, type TransformedImage } from '../../src/media/images/transform.js';
import { foldKerasModel, type FoldedModel, type KerasModelJson } from '../../src/media/moderation/fold-keras-model.js';
import { loadNsfwModel, readBundledNsfwModel } from '../../src/media/moderation/load-nsfw-model.js';
import { makeAnimatedGif, makeCameraJpeg, makeImage, makeJpegWithMetadata, makePhotoJpeg } from '../../test/support/images.js';
import { photoLikeJpeg } from './images.js';

const CLASSES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] as const;
const ROUNDS = 25;

const { tf, model } = await loadNsfwModel();
const bundled = await readBundledNsfwModel();

// nsfwjs's head pools with a fixed 7 × 7 window: global pooling at 224 px. At another size the window
// is set to the last feature map (size / 32), so the network stays the same, only the input shrinks.
function modelAt(size: number): FoldedModel {
  const topology = structuredClone(bundled.modelJson.modelTopology) as KerasModelJson;
  for (const layer of topology.model_config.config.layers) {
    const config = layer.config as Record<string, unknown>;
    if (layer.class_name === 'InputLayer') config['batch_input_shape'] = [null, size, size, 3];
    if (layer.class_name === 'AveragePooling2D') config['pool_size'] = [size / 32, size / 32];
  }
  return foldKerasModel(tf, topology, tf.io.decodeWeights(bundled.weightData, bundled.weightSpecs));
}
const models = new Map<number, FoldedModel>([[224, model], [192, modelAt(192)], [160, modelAt(160)]]);

function score(pixels: Buffer, size: number): number[] {
  const network = models.get(size);
  if (!network) throw new Error(`no model at ${size} px`);
  return tf.tidy(() => Array.from(network.predict(tf.tensor4d(Float32Array.from(pixels, (value) => value / 255), [1, size, size, 3])).dataSync()));
}

type MakeInput = (image: TransformedImage) => Promise<Buffer>;
const fromJpeg =
  (size: number, kernel: keyof KernelEnum): MakeInput =>
  ({ thumbnail }) =>
    sharp(thumbnail.data, { failOn: 'error', autoOrient: true }).flatten({ background: '#ffffff' }).resize(size, size, { fit: 'fill', kernel }).toColourspace('srgb').raw().toBuffer();
const fromPixels =
  (kernel: keyof KernelEnum): MakeInput =>
  ({ thumbnailPixels: pixels }) =>
    sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: pixels.channels } }).resize(224, 224, { fit: 'fill', kernel }).toColourspace('srgb').raw().toBuffer();

const CURRENT = { size: 224, make: fromJpeg(224, 'lanczos3') };
const OPTIONS: Record<string, { size: number; make: MakeInput }> = {
  '(b) JPEG, cubic': { size: 224, make: fromJpeg(224, 'cubic') },
  '(b) JPEG, lanczos2': { size: 224, make: fromJpeg(224, 'lanczos2') },
  '(b) JPEG, mitchell': { size: 224, make: fromJpeg(224, 'mitchell') },
  '(b) JPEG, linear': { size: 224, make: fromJpeg(224, 'linear') },
  '(b) JPEG, nearest': { size: 224, make: fromJpeg(224, 'nearest') },
  '(a) pixels, lanczos3': { size: 224, make: fromPixels('lanczos3') },
  '(a) pixels, linear': { size: 224, make: fromPixels('linear') },
  '192 px': { size: 192, make: fromJpeg(192, 'lanczos3') },
  '160 px': { size: 160, make: fromJpeg(160, 'lanczos3') },
};

async function sample(folders: readonly string[]): Promise<Array<[string, Buffer]>> {
  const images: Array<[string, Buffer]> = [
    ['fixture png', await makeImage('png', { width: 256, height: 171 })],
    ['fixture jpeg', await makeImage('jpeg', { width: 200, height: 200 })],
    ['fixture webp', await makeImage('webp')],
    ['fixture photo 640x480', await makePhotoJpeg(640, 480)],
    ['fixture photo 3000x2000', await makePhotoJpeg(3000, 2000)],
    ['fixture camera', await makeCameraJpeg({ width: 1200, height: 900 })],
    ['fixture rotated', await makeJpegWithMetadata(6)],
    ['fixture gif', await makeAnimatedGif(3, 120, 90)],
  ];
  for (const seed of [1, 2, 3, 4, 5, 6]) images.push([`bench photo ${seed}`, await photoLikeJpeg({ width: 3000, height: 2000, seed, grain: 16, quality: 85 })]);
  images.push(['bench photo 800x600', await photoLikeJpeg({ width: 800, height: 600, seed: 7, grain: 16, quality: 85 })]);
  images.push(['bench photo portrait', await photoLikeJpeg({ width: 1500, height: 2000, seed: 8, grain: 8, quality: 90 })]);
  for (const colour of ['#e0ac69', '#8d5524', '#c68642', '#f1c27d', '#ffdbac', '#000000', '#ffffff', '#808080']) {
    images.push([`flat ${colour}`, await sharp({ create: { width: 300, height: 200, channels: 3, background: colour } }).png().toBuffer()]);
  }
  for (const [width, height] of [[512, 512], [1000, 400]] as const) {
    const raw = Buffer.alloc(width * height * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(Math.random() * 256);
    const noise = () => sharp(raw, { raw: { width, height, channels: 3 } });
    images.push([`noise ${width}x${height}`, await noise().jpeg({ quality: 90 }).toBuffer()]);
    images.push([`noise ${width}x${height} blurred`, await noise().blur(6).jpeg({ quality: 90 }).toBuffer()]);
  }
  for (const [index, background] of ['#2b4c7e', '#ffffff', '#553311'].entries()) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600"><rect width="800" height="600" fill="${background}"/><ellipse cx="400" cy="300" rx="${180 + index * 40}" ry="260" fill="#e0ac69"/><ellipse cx="330" cy="250" rx="60" ry="70" fill="#c68642"/><ellipse cx="470" cy="250" rx="60" ry="70" fill="#c68642"/></svg>`;
    images.push([`skin shapes ${index}`, await sharp(Buffer.from(svg)).jpeg().toBuffer()]);
  }
  for (const folder of folders) {
    for (const name of (await readdir(folder)).sort()) images.push([name, await readFile(path.join(folder, name))]);
  }
  return images;
}

const top = (scores: readonly number[]) => CLASSES[scores.indexOf(Math.max(...scores))] ?? 'unknown';
const flagged = (scores: readonly number[]) => (scores[1] ?? 0) + (scores[3] ?? 0) >= 0.7;
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

async function compareVerdicts(images: ReadonlyArray<[string, Buffer]>, work: string): Promise<void> {
  const rows = new Map(Object.keys(OPTIONS).map((name) => [name, { maxDelta: CLASSES.map(() => 0), labels: 0, flags: 0 }]));
  let counted = 0;
  let flaggedNow = 0;
  for (const [name, bytes] of images) {
    const file = path.join(work, 'upload');
    await writeFile(file, bytes);
    const image = await transformImage(file, { maxPixels: 100_000_000 }).catch((error: unknown) => console.error(`skipped ${name}: ${String(error)}`));
    if (!image) continue;
    const current = score(await CURRENT.make(image), CURRENT.size);
    counted++;
    if (flagged(current)) flaggedNow++;
    for (const [option, { size, make }] of Object.entries(OPTIONS)) {
      const scores = score(await make(image), size);
      const row = rows.get(option);
      if (!row) continue;
      scores.forEach((value, c) => (row.maxDelta[c] = Math.max(row.maxDelta[c] ?? 0, Math.abs(value - (current[c] ?? 0)))));
      if (top(scores) === top(current)) row.labels++;
      else console.log(`${option}: ${name} ${top(current)} -> ${top(scores)}`);
      if (flagged(scores) === flagged(current)) row.flags++;
    }
  }
  console.log(`\n${counted} images, ${flaggedNow} flagged by the current input (Porn + Hentai >= 0.7)`);
  console.log(`| option | labels agree | flag agrees | largest |dp| ${CLASSES.join(' / ')} |`);
  for (const [option, row] of rows) console.log(`| ${option} | ${row.labels}/${counted} | ${row.flags}/${counted} | ${row.maxDelta.map((d) => d.toFixed(3)).join(' / ')} |`);
}

async function timeInputsAndNetworks(image: TransformedImage): Promise<void> {
  const inputs: Record<string, () => Promise<unknown>> = { current: () => CURRENT.make(image), 'JPEG decode alone': () => sharp(image.thumbnail.data).raw().toBuffer() };
  for (const [option, { make }] of Object.entries(OPTIONS)) inputs[option] = () => make(image);
  const networks: Record<string, () => void> = {};
  for (const [size, network] of models) {
    const input = tf.randomUniform<tfjs.Rank.R4>([1, size, size, 3]);
    networks[`network at ${size} px`] = () => network.predict(input).dispose();
  }
  const times = new Map<string, number[]>();
  const time = async (name: string, run: () => Promise<unknown> | void, repeat: number) => {
    const start = cpuMs();
    for (let i = 0; i < repeat; i++) await run();
    times.set(name, [...(times.get(name) ?? []), (cpuMs() - start) / repeat]);
  };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? Object.keys(inputs) : Object.keys(inputs).reverse();
    for (const name of order) await time(name, inputs[name] ?? (() => undefined), 40);
    const netOrder = round % 2 ? Object.keys(networks) : Object.keys(networks).reverse();
    for (const name of netOrder) await time(name, networks[name] ?? (() => undefined), 4);
  }
  console.log(`\nCPU ms per image (the bench photo's thumbnail), medians of ${ROUNDS} interleaved rounds:`);
  for (const [name, values] of times) console.log(`${name}: ${median(values).toFixed(2)}`);
}

const work = await mkdtemp(path.join(os.tmpdir(), 'model-input-'));
try {
  await compareVerdicts(await sample(process.argv.slice(2)), work);
  const photo = path.join(work, 'photo.jpg');
  await writeFile(photo, await photoLikeJpeg({ width: 3000, height: 2000, seed: 1, grain: 16, quality: 85 }));
  await timeInputsAndNetworks(await transformImage(photo, { maxPixels: 100_000_000 }));
} finally {
  await rm(work, { recursive: true, force: true });
}
