/**
 * Kernel options: checked against the kernel's spec (when the kernel is made,
 * and again where it runs, since a worker gets them as JSON), then encoded as
 * the f32 params block the wasm export reads.
 */
import { describeValue } from '../seq/indexing.js';
import type { KernelSpec, NumberChecks, OptionSpec, OptionValue } from './types.js';

/**
 * Checks `options` against `spec` as far as it can without an image: unknown
 * names, types, required options, number constraints. RangeError/TypeError
 * messages start with the kernel's name.
 */
export function checkOptions(kernel: string, spec: KernelSpec, options: unknown): Record<string, OptionValue> {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${kernel}: options must be an object, got ${describeValue(options)}`);
  }
  const given = options as Record<string, unknown>;
  const specs = spec.options ?? {};
  for (const name of Object.keys(given)) {
    if (!(name in specs)) {
      const known = Object.keys(specs);
      throw new RangeError(
        `${kernel}: unknown option '${name}'` + (known.length ? ` (options: ${known.join(', ')})` : ' (it takes none)'),
      );
    }
  }
  const out: Record<string, OptionValue> = {};
  for (const [name, option] of Object.entries(specs)) {
    const value = given[name];
    if (value === undefined) {
      if (option.default === undefined) throw new RangeError(`${kernel}: option '${name}' is required`);
      continue;
    }
    out[name] = checkValue(kernel, name, option, value);
  }
  return out;
}

function checkValue(kernel: string, name: string, option: OptionSpec, value: unknown): OptionValue {
  const where = `${kernel}: option '${name}'`;
  if (option.type === 'string') {
    if (typeof value !== 'string') throw new TypeError(`${where} must be a string, got ${describeValue(value)}`);
    if (!option.values.includes(value)) {
      throw new RangeError(`${where} must be one of ${option.values.map((v) => `'${v}'`).join(', ')}, got '${value}'`);
    }
    return value;
  }
  if (option.type === 'number') {
    checkNumber(where, option, value);
    return value as number;
  }
  const values: unknown[] = typeof value === 'number' ? [value] : isNumberList(value) ? Array.from(value) : [];
  if (values.length === 0) {
    throw new TypeError(`${where} must be a number or a non-empty array of numbers, got ${describeValue(value)}`);
  }
  for (const v of values) checkNumber(where, option, v);
  return values as number[];
}

function isNumberList(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || ArrayBuffer.isView(v);
}

function checkNumber(where: string, checks: NumberChecks, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new TypeError(`${where} must be a finite number, got ${describeValue(v)}`);
  }
  if (checks.integer && !Number.isInteger(v)) throw new TypeError(`${where} must be an integer, got ${v}`);
  if (checks.min !== undefined && v < checks.min) throw new RangeError(`${where} must be >= ${checks.min}, got ${v}`);
  if (checks.nonZero && v === 0) throw new RangeError(`${where} must not be 0`);
}

/** The value of option `name`, the given one or the spec's default. */
export function optionValue(spec: KernelSpec, options: Record<string, OptionValue>, name: string): OptionValue {
  const value = options[name] ?? spec.options?.[name]?.default;
  if (value === undefined) throw new RangeError(`kernel spec: option '${name}' has no value and no default`);
  return value;
}

/** Number of f32 the params block holds for an image with `channels` channels. */
export function paramsLength(kernel: string, spec: KernelSpec, options: Record<string, OptionValue>, channels: number): number {
  let n = 0;
  for (const [name, option] of Object.entries(spec.options ?? {})) {
    if (option.type !== 'number[]') n += 1;
    else n += perChannelValues(kernel, name, option, optionValue(spec, options, name) as number[], channels).length;
  }
  return n;
}

/** Writes the params block (see OptionSpec) into `out` at f32 index `at`. */
export function encodeParams(
  kernel: string, spec: KernelSpec, options: Record<string, OptionValue>, channels: number,
  out: Float32Array, at: number,
): void {
  for (const [name, option] of Object.entries(spec.options ?? {})) {
    const value = optionValue(spec, options, name);
    if (option.type === 'string') out[at++] = option.values.indexOf(value as string);
    else if (option.type === 'number') out[at++] = value as number;
    else for (const v of perChannelValues(kernel, name, option, value as number[], channels)) out[at++] = v;
  }
}

function perChannelValues(
  kernel: string, name: string, option: OptionSpec & { type: 'number[]' }, values: number[], channels: number,
): number[] {
  if (!option.perChannel) return values;
  if (values.length === 1) return Array.from({ length: channels }, () => values[0]);
  if (values.length !== channels) {
    throw new RangeError(
      `${kernel}: option '${name}' has ${values.length} values but the image has ${channels} channels`,
    );
  }
  return values;
}
