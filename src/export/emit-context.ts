/**
 * What every emitting function shares: the graph builder, the export settings, the running value
 * with its axis order, and small helpers (activations, squeezes, weights as float or int8).
 */
import type { QuantGranularity } from '../quantization/options';
import type { Int8Matrix } from './int8-matrix';
import type { ExportActivation } from './plan';
import type { OnnxAttribute } from './proto';
import { MS_DOMAIN, OnnxGraphBuilder } from './proto';

/**
 * How int8 weights are computed with.
 * - `'dynamic'`: integer matrix products; activations are quantized to uint8 on the fly
 *   (ONNX Runtime's `DynamicQuantizeMatMul` and `DynamicQuantizeLSTM`);
 * - `'weight-only'`: weights are stored as int8 and turned back into float32 when the session
 *   loads (`DequantizeLinear`), then the float operators run: a smaller file, float arithmetic.
 */
export type Int8Compute = 'dynamic' | 'weight-only';

/** Int8 settings after defaults. */
export interface ResolvedInt8 {
  granularity: QuantGranularity;
  compute: Int8Compute;
  /** Element type of the codes that integer products read; see `OnnxInt8Options.weightType`. */
  weightType: 'uint8' | 'int8';
}

/**
 * Axis order of a value: batch-major [batch, time, width], time-major [time, batch, width] (what
 * ONNX's recurrent operators read and write with `layout = 0`), or [batch, width].
 */
export type Layout = 'batch-time' | 'time-batch' | 'batch';

/** A value of the graph being built. */
export interface Value {
  name: string;
  layout: Layout;
  width: number;
}

/** Names of the initializers of one int8 matrix. */
export interface Int8Weight {
  base: string;
  cols: number;
  codes: string;
  scale: string;
  zeroPoint: string;
}

/** State shared while emitting one graph. */
export class EmitContext {
  private readonly axesCache = new Map<string, string>();

  constructor(
    readonly g: OnnxGraphBuilder,
    readonly int8: ResolvedInt8 | null,
    readonly timeSteps: number | null,
  ) {}

  /** An int64 constant of axes (cached). */
  axes(values: number[]): string {
    const key = values.join(',');
    let name = this.axesCache.get(key);
    if (!name) {
      name = this.g.constant(`axes_${key.replace(/[,-]/g, '_')}`, 'int64', [values.length], values);
      this.axesCache.set(key, name);
    }
    return name;
  }

  /** Removes axes of size 1. */
  squeeze(x: string, axes: number[], out: string): string {
    return this.g.op('Squeeze', [x, this.axes(axes)], out);
  }

  /** Swaps the first two axes of a 3-D value. */
  swapBatchTime(v: Value): Value {
    const name = this.g.op('Transpose', [v.name], `${v.name}_swapped`, { perm: { ints: [1, 0, 2] } });
    return { name, layout: v.layout === 'batch-time' ? 'time-batch' : 'batch-time', width: v.width };
  }

  /** The value in time-major order, transposing when needed. */
  timeMajor(v: Value): Value {
    return v.layout === 'time-batch' ? v : this.swapBatchTime(v);
  }

  /** Int8 codes turned into float32 inside the graph; `axis` is the axis of the per-channel scales. */
  dequantized(base: string, dims: number[], m: Int8Matrix, axis: number): string {
    const codes = this.g.constant(`${base}_int8`, 'int8', dims, m.codes);
    const perTensor = m.scales.length === 1;
    const scale = this.g.constant(`${base}_scale`, 'float32', perTensor ? [] : [m.scales.length], m.scales);
    const zero = this.g.constant(`${base}_zero_point`, 'int8', perTensor ? [] : [m.scales.length], new Int8Array(m.scales.length));
    return this.g.op('DequantizeLinear', [codes, scale, zero], base, perTensor ? {} : { axis: { int: axis } });
  }

  /**
   * Codes and zero point as an integer product reads them. As `uint8`, the symmetric codes are
   * stored offset by 128 with zero point 128: the same values, and no int16 saturation in the
   * u8·s8 products of x86 CPUs without VNNI (which clip sums of two 255·127 products).
   */
  productCodes(codes: Int8Array): { type: 'uint8' | 'int8'; codes: ArrayLike<number>; zeroPoint: number } {
    if (this.int8?.weightType === 'int8') return { type: 'int8', codes, zeroPoint: 0 };
    return { type: 'uint8', codes: Uint8Array.from(codes, (c) => c + 128), zeroPoint: 128 };
  }

  /** The initializers of an int8 matrix for `DynamicQuantizeMatMul`: codes, scales, zero points. */
  int8Weight(m: Int8Matrix, base: string): Int8Weight {
    const perTensor = m.scales.length === 1;
    const p = this.productCodes(m.codes);
    const sdims = perTensor ? [] : [m.cols];
    return {
      base,
      cols: m.cols,
      codes: this.g.constant(`${base}_${p.type}`, p.type, [m.rows, m.cols], p.codes),
      scale: this.g.constant(`${base}_scale`, 'float32', sdims, m.scales),
      zeroPoint: this.g.constant(`${base}_zero_point`, p.type, sdims, new Array(m.scales.length).fill(p.zeroPoint)),
    };
  }

  /**
   * x · W (+ bias) with int8 codes for W [rows, cols], through ONNX Runtime's
   * `DynamicQuantizeMatMul`: x is quantized to uint8 on every call, the product is integer.
   * Pass an {@link Int8Weight} to reuse the same initializers in several products.
   */
  int8MatMul(x: string, w: Int8Matrix | Int8Weight, bias: Float32Array | null, base: string): string {
    const weight = 'codes' in w && typeof w.codes === 'string' ? (w as Int8Weight) : this.int8Weight(w as Int8Matrix, base);
    const inputs = [x, weight.codes, weight.scale, weight.zeroPoint];
    if (bias) inputs.push(this.g.constant(`${base}_bias`, 'float32', [bias.length], bias));
    return this.g.op('DynamicQuantizeMatMul', inputs, `${base}_out`, {}, MS_DOMAIN);
  }

  /** Applies an activation as a separate node; `linear` returns x itself. */
  activation(x: string, activation: ExportActivation, base: string): string {
    const ops: Record<ExportActivation, [string, Record<string, OnnxAttribute>] | null> = {
      linear: null,
      tanh: ['Tanh', {}],
      sigmoid: ['Sigmoid', {}],
      relu: ['Relu', {}],
      // tfjs's hardSigmoid is clip(0.2·x + 0.5, 0, 1), ONNX's HardSigmoid with alpha 0.2, beta 0.5.
      hardSigmoid: ['HardSigmoid', { alpha: { float: 0.2 }, beta: { float: 0.5 } }],
      softmax: ['Softmax', { axis: { int: -1 } }],
    };
    const op = ops[activation];
    return op ? this.g.op(op[0], [x], `${base}_${activation}`, op[1]) : x;
  }
}
