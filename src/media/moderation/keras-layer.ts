/**
 * Reading a Keras functional model's layer list as tfjs-layers serialises it (model.json's
 * modelTopology): each layer's settings, checked before fold-keras-model.ts relies on them.
 */

/** A layer as tfjs-layers serialises a Keras functional model (model.json's modelTopology). */
export interface KerasLayerJson {
  readonly class_name: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly inbound_nodes: ReadonlyArray<ReadonlyArray<readonly [string, number, number, ...unknown[]]>>;
}

export interface KerasModelJson {
  readonly model_config: {
    readonly config: {
      readonly layers: readonly KerasLayerJson[];
      readonly input_layers: ReadonlyArray<readonly [string, number, number]>;
      readonly output_layers: ReadonlyArray<readonly [string, number, number]>;
    };
  };
}

/** One layer, read from its JSON: the names of the layers it takes its input from. */
export interface Layer {
  readonly name: string;
  readonly className: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly inputs: readonly string[];
}

export function parseLayer(json: KerasLayerJson): Layer {
  const name = json.config['name'];
  if (typeof name !== 'string') throw new Error(`Keras model: a ${json.class_name} layer has no name.`);
  if (json.inbound_nodes.length > 1) throw new Error(`Keras model: layer ${name} is shared, which is not handled.`);
  return { name, className: json.class_name, config: json.config, inputs: (json.inbound_nodes[0] ?? []).map(([from]) => from) };
}

export function isConvolution(layer: Layer): boolean {
  return layer.className === 'Conv2D' || layer.className === 'DepthwiseConv2D';
}

export function expectChannelsLast(layer: Layer): void {
  const format = layer.config['data_format'];
  if (format !== undefined && format !== 'channels_last') throw unsupported(layer, 'data_format');
}

/** MobileNetV2's activation layer: ReLU capped at 6, which XNNPACK applies inside the convolution. */
export function expectRelu6(layer: Layer): void {
  const { max_value: max, negative_slope: slope, threshold } = layer.config;
  if ((slope ?? 0) !== 0 || (threshold ?? 0) !== 0) throw unsupported(layer, 'negative_slope or threshold');
  if (max !== 6) throw unsupported(layer, 'max_value (only ReLU6 is handled)');
}

// TensorFlow's "same" padding for this input size, kernel and stride: total = max((ceil(n / s) - 1)
// s + k - n, 0), the extra zero (when odd) at the bottom or right.
export function samePaddingIs(size: readonly [number, number], conv: Layer, padding: [[number, number], [number, number]]): boolean {
  const kernel = conv.config['kernel_size'];
  const strides = conv.config['strides'];
  if (!isPositiveIntegers(kernel, 2) || !isPositiveIntegers(strides, 2)) return false;
  return [0, 1].every((axis) => {
    const [n, k, s] = [size[axis] ?? 0, kernel[axis] ?? 0, strides[axis] ?? 1];
    const total = Math.max((Math.ceil(n / s) - 1) * s + k - n, 0);
    const before = Math.floor(total / 2);
    return padding[axis]?.[0] === before && padding[axis]?.[1] === total - before;
  });
}

export function convolvedSize(size: readonly [number, number], kernel: readonly number[], strides: readonly number[], pad: 'same' | 'valid'): [number, number] {
  const out = (axis: 0 | 1) => {
    const [n, k, s] = [size[axis], kernel[axis] ?? 1, strides[axis] ?? 1];
    return pad === 'same' ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1;
  };
  return [out(0), out(1)];
}

export function isPositiveIntegers(value: unknown, length: number): value is [number, number] {
  return Array.isArray(value) && value.length === length && value.every((item) => Number.isInteger(item) && (item as number) > 0);
}

export function isPairOfPairs(value: unknown): value is [[number, number], [number, number]] {
  return Array.isArray(value) && value.length === 2 && value.every((pair) => Array.isArray(pair) && pair.length === 2 && pair.every((item) => Number.isInteger(item) && (item as number) >= 0));
}

export function unsupported(layer: Layer, what: string): Error {
  return new Error(`Keras model: ${layer.className} layer ${layer.name} has an unsupported ${what}.`);
}
