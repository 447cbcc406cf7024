import sharp from 'sharp';
import type * as tfjs from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { foldKerasModel, type KerasLayerJson, type KerasModelJson } from '../../../src/media/moderation/fold-keras-model.js';
import { loadNsfwModel, readBundledNsfwModel, type BundledNsfwModel, type LoadedNsfwModel } from '../../../src/media/moderation/load-nsfw-model.js';
import { makeImage, makePhotoJpeg } from '../../support/images.js';

let loaded: LoadedNsfwModel;
let bundled: BundledNsfwModel;
let tf: LoadedNsfwModel['tf'];

beforeAll(async () => {
  loaded = await loadNsfwModel();
  tf = loaded.tf;
  bundled = await readBundledNsfwModel();
});

const topology = (): KerasModelJson => structuredClone(bundled.modelJson.modelTopology) as KerasModelJson;
const fold = (model: KerasModelJson) => foldKerasModel(tf, model, tf.io.decodeWeights(bundled.weightData, bundled.weightSpecs));
const layersOf = (model: KerasModelJson) => model.model_config.config.layers as KerasLayerJson[];

async function modelInput(images: Buffer[]): Promise<tfjs.Tensor4D> {
  const pixels = await Promise.all(images.map((image) => sharp(image).flatten({ background: '#ffffff' }).resize(224, 224, { fit: 'fill' }).toColourspace('srgb').raw().toBuffer()));
  return tf.tensor4d(Float32Array.from(Buffer.concat(pixels), (value) => value / 255), [images.length, 224, 224, 3]);
}

describe('foldKerasModel on nsfwjs MobileNetV2', () => {
  it('gives the probabilities tfjs-layers gives for the unfolded model, to within 1e-5', async () => {
    const layersModel = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: bundled.modelJson.modelTopology, weightSpecs: bundled.weightSpecs, weightData: bundled.weightData }));
    const images = [await makeImage('png', { width: 256, height: 171 }), await makeImage('jpeg', { width: 200, height: 200 }), await makePhotoJpeg(640, 480)];
    for (const colour of ['#e0ac69', '#8d5524', '#000000']) images.push(await sharp({ create: { width: 300, height: 200, channels: 3, background: colour } }).png().toBuffer());
    const input = await modelInput(images);
    try {
      const expected = (layersModel.predict(input) as tfjs.Tensor).arraySync() as number[][];
      const actual = tf.tidy(() => loaded.model.predict(input).arraySync());
      expect(actual).toHaveLength(images.length);
      actual.forEach((scores, index) => {
        scores.forEach((score, c) => expect(Math.abs(score - (expected[index]?.[c] ?? -1))).toBeLessThan(1e-5));
      });
    } finally {
      input.dispose();
      layersModel.dispose();
    }
  });

  it('frees every intermediate activation: only the output it returns is left', async () => {
    const input = await modelInput([await makeImage('png')]);
    const before = tf.memory().numTensors;
    const output = loaded.model.predict(input);
    expect(tf.memory().numTensors).toBe(before + 1);
    output.dispose();
    input.dispose();
  });

  it('refuses an input of another size', () => {
    const input = tf.zeros([1, 100, 100, 3]) as tfjs.Tensor4D;
    expect(() => loaded.model.predict(input)).toThrow(/224 × 224 × 3/);
    input.dispose();
  });

  it('keeps no tensor of its own after dispose, nor any of the decoded weights', () => {
    const before = tf.memory().numTensors;
    const model = fold(topology());
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('foldKerasModel refuses what it does not handle, naming the layer', () => {
  const refuses = (edit: (layers: KerasLayerJson[]) => void, message: RegExp) => {
    const before = tf.memory().numTensors;
    const model = topology();
    edit(layersOf(model));
    expect(() => fold(model)).toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
  };
  const layer = (layers: KerasLayerJson[], name: string) => {
    const found = layers.find((candidate) => candidate.config['name'] === name);
    if (!found) throw new Error(`no layer ${name}`);
    return found as { class_name: string; config: Record<string, unknown> };
  };

  it('an unknown layer type', () => {
    refuses((layers) => (layer(layers, 'dense_1').class_name = 'LSTM'), /LSTM layer dense_1 has an unsupported layer type/);
  });

  it('a convolution with an activation it cannot fuse', () => {
    refuses((layers) => (layer(layers, 'block_1_expand').config['activation'] = 'sigmoid'), /Conv2D layer block_1_expand has an unsupported activation/);
  });

  it('a ReLU with a leak, a dilated or channels-first convolution, a grouped depthwise one', () => {
    refuses((layers) => (layer(layers, 'Conv1_relu').config['negative_slope'] = 0.1), /ReLU layer Conv1_relu .*negative_slope/);
    refuses((layers) => (layer(layers, 'block_2_expand').config['dilation_rate'] = [2, 2]), /block_2_expand .*dilation_rate/);
    refuses((layers) => (layer(layers, 'block_2_expand').config['data_format'] = 'channels_first'), /block_2_expand .*data_format/);
    refuses((layers) => (layer(layers, 'block_1_depthwise').config['depth_multiplier'] = 2), /block_1_depthwise .*depth_multiplier/);
  });

  it('a convolution with a bias of its own, or not followed by its batch normalisation', () => {
    refuses((layers) => (layer(layers, 'block_1_expand').config['use_bias'] = true), /Conv2D layer block_1_expand has an unsupported use_bias/);
    refuses((layers) => (layer(layers, 'block_1_expand_BN').class_name = 'Dropout'), /Conv2D layer block_1_expand has an unsupported next layer/);
  });

  it('a batch normalisation without its learned scale or shift', () => {
    refuses((layers) => (layer(layers, 'bn_Conv1').config['center'] = false), /BatchNormalization layer bn_Conv1 has an unsupported center or scale/);
    refuses((layers) => (layer(layers, 'bn_Conv1').config['scale'] = false), /BatchNormalization layer bn_Conv1 has an unsupported center or scale/);
  });

  it('a ReLU without the cap of 6, and a dense layer without a ReLU or softmax', () => {
    refuses((layers) => (layer(layers, 'Conv1_relu').config['max_value'] = null), /ReLU layer Conv1_relu has an unsupported max_value/);
    refuses((layers) => (layer(layers, 'dense_1').config['activation'] = 'linear'), /Dense layer dense_1 has an unsupported activation/);
    refuses((layers) => (layer(layers, 'dense_1').config['use_bias'] = false), /Dense layer dense_1 has an unsupported use_bias/);
  });

  it('a zero padding that is not the next convolution\'s "same" padding', () => {
    refuses((layers) => (layer(layers, 'Conv1_pad').config['padding'] = [[1, 1], [1, 1]]), /ZeroPadding2D layer Conv1_pad has an unsupported padding/);
    refuses((layers) => (layer(layers, 'block_1_depthwise').config['padding'] = 'same'), /ZeroPadding2D layer block_1_pad has an unsupported padding/);
  });

  it('a missing weight, and a model whose input is not a batch of images', () => {
    refuses((layers) => (layer(layers, 'bn_Conv1').config['name'] = 'bn_Conv1_renamed'), /weight bn_Conv1_renamed\/gamma is missing/);
    refuses((layers) => (layer(layers, 'input_1').config['batch_input_shape'] = [null, 224, 224]), /expected an input of a batch of images/);
  });
});
