/**
 * What a kernel will make of an input: the input checked and described
 * (dtype, size, channels, layout), and the output shape derived from the spec.
 */
import { describeValue } from '../seq/indexing.js';
import { optionValue } from './options.js';
import type { DimRule, Dtype, KernelSpec, Layout, OptionValue, OutputShape, Pixels } from './types.js';

/** A checked input image. */
export interface InputShape {
  data: Pixels;
  dtype: Dtype;
  width: number;
  height: number;
  channels: number;
  layout: Layout;
}

/**
 * Checks an image handed to `kernel`: typed-array data, positive integer sizes,
 * a channel count that divides the data, enough data. Throws TypeError or
 * RangeError naming the kernel and the problem.
 */
export function describeInput(kernel: string, image: unknown): InputShape {
  if (typeof image !== 'object' || image === null) {
    throw new TypeError(`${kernel}: expected an image { data, width, height }, got ${describeValue(image)}`);
  }
  const { data, width, height, channels, layout } = image as Record<string, unknown>;
  let dtype: Dtype;
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) dtype = 'uint8';
  else if (data instanceof Float32Array) dtype = 'float32';
  else {
    throw new TypeError(
      `${kernel}: image data must be a Uint8Array, Uint8ClampedArray or Float32Array, got ${describeValue(data)}`,
    );
  }
  checkSize(kernel, 'width', width);
  checkSize(kernel, 'height', height);
  const pixels = (width as number) * (height as number);
  let c: number;
  if (channels === undefined) {
    c = data.length / pixels;
    if (!Number.isInteger(c) || c < 1) {
      throw new RangeError(
        `${kernel}: image data has ${data.length} values, not a whole number of channels for ${width}×${height} pixels`,
      );
    }
  } else {
    if (typeof channels !== 'number' || !Number.isInteger(channels)) {
      throw new TypeError(`${kernel}: image channels must be an integer, got ${describeValue(channels)}`);
    }
    if (channels < 1) throw new RangeError(`${kernel}: image channels must be >= 1, got ${channels}`);
    c = channels;
    if (data.length < pixels * c) {
      throw new RangeError(
        `${kernel}: image data has ${data.length} values, too few for ${width}×${height}×${c} (${pixels * c})`,
      );
    }
  }
  if (layout !== undefined && layout !== 'hwc' && layout !== 'chw') {
    throw new RangeError(`${kernel}: image layout must be 'hwc' or 'chw', got ${describeValue(layout)}`);
  }
  return { data, dtype, width: width as number, height: height as number, channels: c, layout: layout ?? 'hwc' };
}

/**
 * An image's width or height: a positive integer. (A plain function rather
 * than a loop over [name, value] pairs: it runs for every element, and a
 * worker's V8 compiles the pairs' loop into far more code.)
 */
function checkSize(kernel: string, name: 'width' | 'height', v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new TypeError(`${kernel}: image ${name} must be an integer, got ${describeValue(v)}`);
  }
  if (v < 1) throw new RangeError(`${kernel}: image ${name} must be >= 1, got ${v} (empty image)`);
}

/** Checks that `spec` accepts `input`, and derives the output shape. */
export function outputShape(
  kernel: string, spec: KernelSpec, options: Record<string, OptionValue>, input: InputShape,
): OutputShape {
  if (spec.exports[input.dtype] === undefined) {
    const accepted = Object.keys(spec.exports).join(' or ');
    throw new TypeError(`${kernel}: expected ${accepted} image data, got ${input.dtype}`);
  }
  if (spec.channels && !spec.channels.includes(input.channels)) {
    throw new RangeError(
      `${kernel}: image has ${input.channels} channels, expected ${spec.channels.join(' or ')}`,
    );
  }
  const needs = spec.inputLayout ?? 'hwc';
  if (needs !== 'any' && input.layout !== needs && input.channels > 1) {
    throw new RangeError(`${kernel}: expected a '${needs}' image, got '${input.layout}'`);
  }
  const out = spec.output;
  const dim = (rule: DimRule | undefined, same: number, what: string): number => {
    const v = rule === undefined || rule === 'input' ? same
      : typeof rule === 'number' ? rule
      : optionValue(spec, options, rule.option);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new RangeError(`${kernel}: output ${what} must be an integer >= 1, got ${describeValue(v)}`);
    }
    return v;
  };
  const width = dim(out.width, input.width, 'width');
  const height = dim(out.height, input.height, 'height');
  const channels = dim(out.channels, input.channels, 'channels');
  const dtype = out.dtype === 'input' ? input.dtype : out.dtype;
  const rule = out.layout ?? 'input';
  const layout = rule === 'input' ? input.layout
    : typeof rule === 'string' ? rule
    : (optionValue(spec, options, rule.option) as Layout);
  const byteLength = width * height * channels * (dtype === 'float32' ? 4 : 1);
  return { dtype, width, height, channels, layout, byteLength };
}
