/**
 * Turns nsfwjs's Keras MobileNetV2 (as tfjs saves it: the layer list plus named weights) into a
 * short list of fused tfjs operations for inference. Each convolution absorbs the batch
 * normalisation after it (a per-channel scale and shift at inference, so it folds into the kernel
 * and a bias) and the ReLU6 after that, and each zero padding before a "valid" convolution becomes
 * that convolution's "same" padding (they pad the same rows and columns). tfjs-layers runs the
 * model as ~160 separate operations, each a pass over the activations in WebAssembly memory; folded
 * it is ~70.
 *
 * Only the arrangements MobileNetV2 has are handled: every convolution without a bias and followed
 * by its batch normalisation, ReLU6 as the only activation layer, zero padding only where it is the
 * next convolution's "same" padding, dense layers with a bias and a ReLU or softmax. Any other layer
 * or setting stops the build with an error naming the layer: a model is run as trained or not at all.
 *
 * Written here because nothing on npm does it: this folding is what TensorFlow's Python converter
 * (tensorflowjs_converter, Grappler) does when it makes a graph model, and tfjs itself has no
 * optimiser for a layers model at load; nsfwjs ships MobileNetV2 only as a layers model.
 */
import type * as tfjs from '@tensorflow/tfjs';
import {
  convolvedSize,
  expectChannelsLast,
  expectRelu6,
  isConvolution,
  isPairOfPairs,
  isPositiveIntegers,
  parseLayer,
  samePaddingIs,
  unsupported,
  type KerasModelJson,
  type Layer,
} from './keras-layer.js';

export type { KerasLayerJson, KerasModelJson } from './keras-layer.js';

type Tfjs = typeof import('@tensorflow/tfjs');

/** The folded model: one call per batch of NHWC float32 images, class probabilities out. */
export interface FoldedModel {
  /** Height, width and channels of one input image. */
  readonly inputShape: readonly [number, number, number];
  predict(input: tfjs.Tensor4D): tfjs.Tensor2D;
  dispose(): void;
}

type Step =
  | { kind: 'conv' | 'depthwise'; input: number; filter: tfjs.Tensor4D; bias: tfjs.Tensor1D; strides: [number, number]; pad: 'same' | 'valid'; activation: 'linear' | 'relu6' }
  | { kind: 'add'; inputs: number[] }
  | { kind: 'avgPool'; input: number; size: [number, number]; strides: [number, number]; pad: 'same' | 'valid' }
  | { kind: 'flatten'; input: number }
  | { kind: 'dense'; input: number; kernel: tfjs.Tensor2D; bias: tfjs.Tensor1D; activation: 'relu' | 'softmax' };

/**
 * Builds the folded model from the topology and the decoded weights (tf.io.decodeWeights). The
 * weights it does not keep are disposed; the caller keeps ownership of none of them.
 */
export function foldKerasModel(tf: Tfjs, topology: KerasModelJson, weights: tfjs.NamedTensorMap): FoldedModel {
  const steps: Step[] = [];
  try {
    let model: FoldedModel | undefined;
    // Intermediate tensors of the folding go when the scope ends; the steps' weights are kept.
    tf.tidy(() => {
      model = build(tf, topology, weights, steps);
    });
    if (!model) throw new Error('Keras model: folding produced no model.');
    return model;
  } catch (error) {
    disposeSteps(steps);
    throw error;
  } finally {
    for (const tensor of Object.values(weights)) tensor.dispose();
  }
}

function build(tf: Tfjs, topology: KerasModelJson, weights: tfjs.NamedTensorMap, steps: Step[]): FoldedModel {
  const { layers: layerJson, input_layers: inputLayers, output_layers: outputLayers } = topology.model_config.config;
  const layers = layerJson.map(parseLayer);
  const byName = new Map(layers.map((layer) => [layer.name, layer]));
  const consumers = new Map<string, Layer[]>();
  for (const layer of layers) for (const input of layer.inputs) consumers.set(input, [...(consumers.get(input) ?? []), layer]);
  const onlyConsumer = (name: string): Layer | undefined => {
    const users = consumers.get(name) ?? [];
    return users.length === 1 && !outputLayers.some(([out]) => out === name) ? users[0] : undefined;
  };
  const weight = (name: string): tfjs.Tensor => {
    const tensor = weights[name];
    if (!tensor) throw new Error(`Keras model: weight ${name} is missing.`);
    return tensor;
  };

  if (inputLayers.length !== 1 || outputLayers.length !== 1) throw new Error('Keras model: expected one input and one output.');
  const inputLayer = byName.get(inputLayers[0]?.[0] ?? '');
  const inputShape = inputLayer?.config['batch_input_shape'];
  if (inputLayer?.className !== 'InputLayer' || !Array.isArray(inputShape) || inputShape[0] !== null || !isPositiveIntegers(inputShape.slice(1), 3)) {
    throw new Error('Keras model: expected an input of a batch of images (height, width, channels).');
  }
  const [height, width, channels] = inputShape.slice(1) as [number, number, number];

  // Values are numbered as steps produce them; value 0 is the input. A layer name maps to the value
  // that holds its output (folded layers share the value of the operation they folded into).
  const valueOf = new Map<string, number>([[inputLayer.name, 0]]);
  const sizes: Array<readonly [number, number]> = [[height, width]];
  const folded = new Set<string>();
  // Convolutions whose preceding ZeroPadding2D became their own "same" padding.
  const samePadded = new Set<string>();
  const emit = (step: Step, size: readonly [number, number], ...names: string[]) => {
    steps.push(step);
    sizes.push(size);
    for (const name of names) valueOf.set(name, steps.length);
  };
  const input = (layer: Layer, index = 0): number => {
    const value = valueOf.get(layer.inputs[index] ?? '');
    if (value === undefined) throw new Error(`Keras model: layer ${layer.name} comes before its input.`);
    return value;
  };

  for (const layer of layers) {
    if (layer === inputLayer || folded.has(layer.name)) continue;
    const config = layer.config;
    expectChannelsLast(layer);
    switch (layer.className) {
      case 'ZeroPadding2D': {
        const padding = config['padding'];
        const conv = onlyConsumer(layer.name);
        if (!isPairOfPairs(padding) || !conv || !isConvolution(conv) || conv.config['padding'] !== 'valid' || !samePaddingIs(sizes[input(layer)] ?? [0, 0], conv, padding)) {
          throw unsupported(layer, 'padding (only the zeros of the next convolution\'s "same" padding are handled)');
        }
        valueOf.set(layer.name, input(layer));
        samePadded.add(conv.name);
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const depthwise = layer.className === 'DepthwiseConv2D';
        if (depthwise && config['depth_multiplier'] !== 1) throw unsupported(layer, 'depth_multiplier');
        if (!isPositiveIntegers(config['dilation_rate'], 2) || config['dilation_rate'].some((rate) => rate !== 1)) throw unsupported(layer, 'dilation_rate');
        const strides = config['strides'];
        const kernelSize = config['kernel_size'];
        if (!isPositiveIntegers(strides, 2) || !isPositiveIntegers(kernelSize, 2)) throw unsupported(layer, 'strides or kernel_size');
        const padding = samePadded.has(layer.name) ? 'same' : config['padding'];
        if (padding !== 'same' && padding !== 'valid') throw unsupported(layer, 'padding');
        if (config['activation'] !== 'linear') throw unsupported(layer, 'activation');
        if (config['use_bias'] !== false) throw unsupported(layer, 'use_bias (the batch normalisation after it is its bias)');
        const norm = onlyConsumer(layer.name);
        if (norm?.className !== 'BatchNormalization') throw unsupported(layer, 'next layer (a convolution must be followed by its batch normalisation alone)');
        const relu = onlyConsumer(norm.name);
        const fusedRelu = relu?.className === 'ReLU' ? relu : undefined;
        if (fusedRelu) expectRelu6(fusedRelu);
        const kernel = weight(`${layer.name}/${depthwise ? 'depthwise_kernel' : 'kernel'}`);
        const outChannels = depthwise ? (kernel.shape[2] ?? 0) : (kernel.shape[3] ?? 0);
        const { scale, shift } = batchNormAsScaleAndShift(tf, norm, weight, outChannels);
        const filter = tf.mul<tfjs.Tensor4D>(kernel, depthwise ? scale.reshape([1, 1, outChannels, 1]) : scale);
        const names = [layer.name, norm.name, ...(fusedRelu ? [fusedRelu.name] : [])];
        for (const name of names) folded.add(name);
        const outSize = convolvedSize(sizes[input(layer)] ?? [0, 0], kernelSize, strides, padding);
        const activation = fusedRelu ? 'relu6' : 'linear';
        emit({ kind: depthwise ? 'depthwise' : 'conv', input: input(layer), filter: tf.keep(filter), bias: tf.keep(shift), strides, pad: padding, activation }, outSize, ...names);
        break;
      }
      case 'Add': {
        const inputs = layer.inputs.map((_, index) => input(layer, index));
        if (inputs.length < 2) throw unsupported(layer, 'inputs');
        emit({ kind: 'add', inputs }, sizes[inputs[0] ?? 0] ?? [0, 0], layer.name);
        break;
      }
      case 'AveragePooling2D': {
        const size = config['pool_size'];
        const strides = config['strides'];
        const pad = config['padding'];
        if (!isPositiveIntegers(size, 2) || !isPositiveIntegers(strides, 2) || (pad !== 'same' && pad !== 'valid')) throw unsupported(layer, 'pool_size, strides or padding');
        emit({ kind: 'avgPool', input: input(layer), size, strides, pad }, convolvedSize(sizes[input(layer)] ?? [0, 0], size, strides, pad), layer.name);
        break;
      }
      case 'Flatten':
        emit({ kind: 'flatten', input: input(layer) }, [1, 1], layer.name);
        break;
      case 'Dense': {
        const activation = config['activation'];
        if (activation !== 'relu' && activation !== 'softmax') throw unsupported(layer, 'activation');
        if (config['use_bias'] !== true) throw unsupported(layer, 'use_bias');
        // Clones: the decoded weights are disposed once the model is built.
        const kernel = weight(`${layer.name}/kernel`).clone() as tfjs.Tensor2D;
        const bias = weight(`${layer.name}/bias`).clone() as tfjs.Tensor1D;
        emit({ kind: 'dense', input: input(layer), kernel: tf.keep(kernel), bias: tf.keep(bias), activation }, [1, 1], layer.name);
        break;
      }
      case 'Dropout':
        // Inference: dropout passes its input through.
        valueOf.set(layer.name, input(layer));
        break;
      default:
        throw unsupported(layer, 'layer type (or a BatchNormalization/ReLU not after a convolution)');
    }
  }

  const output = valueOf.get(outputLayers[0]?.[0] ?? '');
  if (output === undefined) throw new Error('Keras model: the output layer was not reached.');
  return new FoldedKerasModel(tf, steps, output, [height, width, channels]);
}

/**
 * For each step, the values to free once it has run: those it was the last to read, and the one it
 * produced if nothing reads it. Never the input (the caller's) nor the output (returned). Computed
 * once, so a pass does no bookkeeping beyond the disposals themselves.
 */
function freeAfterEachStep(steps: readonly Step[], output: number): number[][] {
  const lastUse = steps.map((_, index) => index);
  steps.forEach((step, index) => {
    for (const value of step.kind === 'add' ? step.inputs : [step.input]) if (value > 0) lastUse[value - 1] = index;
  });
  const freeAfter = steps.map((): number[] => []);
  lastUse.forEach((step, producer) => {
    if (producer + 1 !== output) freeAfter[step]?.push(producer + 1);
  });
  return freeAfter;
}

class FoldedKerasModel implements FoldedModel {
  // Intermediate activations are freed as soon as nothing needs them, so WebAssembly memory holds a
  // few layers' worth, not the whole network's.
  private readonly freeAfter: ReadonlyArray<readonly number[]>;

  constructor(
    private readonly tf: Tfjs,
    private readonly steps: readonly Step[],
    private readonly output: number,
    readonly inputShape: readonly [number, number, number],
  ) {
    this.freeAfter = freeAfterEachStep(steps, output);
  }

  predict(input: tfjs.Tensor4D): tfjs.Tensor2D {
    const [, height, width, channels] = input.shape;
    if (height !== this.inputShape[0] || width !== this.inputShape[1] || channels !== this.inputShape[2]) {
      throw new RangeError(`expected images of ${this.inputShape.join(' × ')}, got ${input.shape.slice(1).join(' × ')}`);
    }
    const tf = this.tf;
    const values: Array<tfjs.Tensor | undefined> = [input];
    try {
      this.steps.forEach((step, index) => {
        values.push(tf.tidy(() => run(tf, step, values)));
        for (const value of this.freeAfter[index] ?? []) {
          values[value]?.dispose();
          values[value] = undefined;
        }
      });
      const result = values[this.output] as tfjs.Tensor2D;
      values[this.output] = undefined;
      return result;
    } finally {
      for (const [value, tensor] of values.entries()) if (value !== 0) tensor?.dispose();
    }
  }

  dispose(): void {
    disposeSteps(this.steps);
  }
}

function run(tf: Tfjs, step: Step, values: ReadonlyArray<tfjs.Tensor | undefined>): tfjs.Tensor {
  const value = (index: number): tfjs.Tensor => {
    const tensor = values[index];
    if (!tensor) throw new Error(`folded model: value ${index} was freed before its last use`);
    return tensor;
  };
  switch (step.kind) {
    case 'conv':
      return tf.fused.conv2d({ x: value(step.input) as tfjs.Tensor4D, filter: step.filter, strides: step.strides, pad: step.pad, bias: step.bias, activation: step.activation });
    case 'depthwise':
      return tf.fused.depthwiseConv2d({ x: value(step.input) as tfjs.Tensor4D, filter: step.filter, strides: step.strides, pad: step.pad, bias: step.bias, activation: step.activation });
    case 'add':
      return tf.addN(step.inputs.map(value));
    case 'avgPool':
      return tf.avgPool(value(step.input) as tfjs.Tensor4D, step.size, step.strides, step.pad);
    case 'flatten': {
      const x = value(step.input);
      return tf.reshape(x, [x.shape[0] ?? 1, -1]);
    }
    case 'dense': {
      const activation = step.activation === 'softmax' ? 'linear' : step.activation;
      const out = tf.fused.matMul({ a: value(step.input), b: step.kernel, bias: step.bias, activation });
      return step.activation === 'softmax' ? tf.softmax(out) : out;
    }
  }
}

function disposeSteps(steps: readonly Step[]): void {
  for (const step of steps) {
    if (step.kind === 'conv' || step.kind === 'depthwise') for (const tensor of [step.filter, step.bias]) tensor.dispose();
    if (step.kind === 'dense') for (const tensor of [step.kernel, step.bias]) tensor.dispose();
  }
}

// Inference-time batch normalisation, y = gamma (x - mean) / sqrt(variance + epsilon) + beta, is
// y = scale x + shift per channel.
function batchNormAsScaleAndShift(tf: Tfjs, layer: Layer, weight: (name: string) => tfjs.Tensor, channels: number): { scale: tfjs.Tensor1D; shift: tfjs.Tensor1D } {
  const { axis, epsilon, center, scale: scaled } = layer.config;
  if (axis !== -1 && axis !== 3 && !(Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 3))) throw unsupported(layer, 'axis');
  if (typeof epsilon !== 'number' || !(epsilon >= 0)) throw unsupported(layer, 'epsilon');
  if (center !== true || scaled !== true) throw unsupported(layer, 'center or scale (both are learned in MobileNetV2)');
  const gamma = weight(`${layer.name}/gamma`);
  const beta = weight(`${layer.name}/beta`);
  const mean = weight(`${layer.name}/moving_mean`);
  const variance = weight(`${layer.name}/moving_variance`);
  for (const tensor of [gamma, beta, mean, variance]) if (tensor.size !== channels) throw unsupported(layer, 'weights shape');
  const scale = tf.div<tfjs.Tensor1D>(gamma, tf.sqrt(tf.add(variance, epsilon)));
  return { scale, shift: tf.sub(beta, tf.mul(mean, scale)) };
}
