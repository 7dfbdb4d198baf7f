/**
 * A small builder of ONNX graphs over the protobuf classes of `onnx-proto`: named initializers,
 * nodes with typed attributes, graph inputs and outputs, and the serialised `ModelProto`. The
 * exporter speaks in these terms only, so the protobuf details stay in this file.
 */
import { onnx } from 'onnx-proto';

/** Element types the exporter writes. */
export type OnnxElementType = 'float32' | 'uint8' | 'int8' | 'int32' | 'int64';

const ELEMENT_TYPES: Record<OnnxElementType, onnx.TensorProto.DataType> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  uint8: onnx.TensorProto.DataType.UINT8,
  int8: onnx.TensorProto.DataType.INT8,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
};

/** An attribute value: a number is an int when integral and `float` is not asked for. */
export type OnnxAttribute =
  | { int: number }
  | { float: number }
  | { string: string }
  | { ints: number[] }
  | { floats: number[] }
  | { strings: string[] };

/** A dimension of a graph input or output: a size, or a name for a size known at run time. */
export type OnnxDim = number | string;

/** The operator-set domain of Microsoft's contributed kernels in ONNX Runtime. */
export const MS_DOMAIN = 'com.microsoft';

function bytesOf(data: Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array): Uint8Array {
  // ONNX raw data is little-endian; typed arrays are in the platform's order, little-endian on
  // every platform Node supports.
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

function attribute(name: string, value: OnnxAttribute): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('int' in value) return { name, type: T.INT, i: value.int };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  if ('string' in value) return { name, type: T.STRING, s: new TextEncoder().encode(value.string) };
  if ('ints' in value) return { name, type: T.INTS, ints: value.ints };
  if ('floats' in value) return { name, type: T.FLOATS, floats: value.floats };
  return { name, type: T.STRINGS, strings: value.strings.map((s) => new TextEncoder().encode(s)) };
}

function valueInfo(name: string, type: OnnxElementType, dims: OnnxDim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEMENT_TYPES[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/**
 * IR version that goes with an opset: ONNX ties each opset to the IR version released with it.
 *
 * @example irVersionFor(17) // 8
 * @param opset Default-domain opset.
 * @returns The IR version written in the model.
 */
export function irVersionFor(opset: number): number {
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

/**
 * Collects the pieces of one ONNX graph and serialises them. Names passed to {@link fresh} are
 * made unique, so emitting code can reuse readable names for every layer.
 */
export class OnnxGraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private readonly counters = new Map<string, number>();
  private readonly domains = new Set<string>();

  /**
   * @param opset Opset of the default domain.
   */
  constructor(readonly opset: number) {}

  /** A name not used before, based on `base`. */
  fresh(base: string): string {
    let name = base;
    let k = this.counters.get(base) ?? 0;
    while (this.used.has(name)) name = `${base}_${++k}`;
    this.counters.set(base, k);
    this.used.add(name);
    return name;
  }

  /** Declares a graph input. */
  input(name: string, type: OnnxElementType, dims: OnnxDim[]): string {
    this.used.add(name);
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Declares a graph output (the value must be produced by a node). */
  output(name: string, type: OnnxElementType, dims: OnnxDim[]): void {
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** Adds a constant tensor and returns its (unique) name. */
  constant(base: string, type: OnnxElementType, dims: number[], values: ArrayLike<number>): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (values.length !== size) throw new RangeError(`constant '${base}' must hold ${size} values for dims [${dims.join(', ')}], got ${values.length}`);
    const name = this.fresh(base);
    let data: Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array;
    if (type === 'float32') data = Float32Array.from(values);
    else if (type === 'uint8') data = Uint8Array.from(values);
    else if (type === 'int8') data = Int8Array.from(values);
    else if (type === 'int32') data = Int32Array.from(values);
    else data = BigInt64Array.from(Array.from(values, (v) => BigInt(v)));
    this.initializers.push({ name, dims, dataType: ELEMENT_TYPES[type], rawData: bytesOf(data) });
    return name;
  }

  /**
   * Adds a node. Outputs are given as base names and returned made unique; an empty string
   * stands for an optional output left out. Nodes stay unnamed (names are optional in ONNX), which
   * keeps unrolled graphs small.
   */
  node(opType: string, inputs: string[], outputs: string[], attributes: Record<string, OnnxAttribute> = {}, domain = ''): string[] {
    const names = outputs.map((o) => (o === '' ? '' : this.fresh(o)));
    if (domain !== '') this.domains.add(domain);
    this.nodes.push({
      opType,
      domain,
      input: inputs,
      output: names,
      attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
    });
    return names;
  }

  /** Shorthand for a node with one output. */
  op(opType: string, inputs: string[], output: string, attributes: Record<string, OnnxAttribute> = {}, domain = ''): string {
    return this.node(opType, inputs, [output], attributes, domain)[0];
  }

  /** Number of nodes so far. */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /**
   * Serialises the model.
   *
   * @param graphName Name of the graph.
   * @param docString Free text stored in the model.
   * @returns The bytes of the `ModelProto`.
   */
  serialize(graphName: string, docString = ''): Uint8Array {
    const opsetImport: onnx.IOperatorSetIdProto[] = [{ domain: '', version: this.opset }];
    for (const d of this.domains) opsetImport.push({ domain: d, version: 1 });
    const model: onnx.IModelProto = {
      irVersion: irVersionFor(this.opset),
      producerName: 'rnn-compression-course',
      producerVersion: '0.1.0',
      docString,
      opsetImport,
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    // protobufjs hands back a Node Buffer (often a view into a shared pool): copy it into a
    // plain Uint8Array of its own.
    return new Uint8Array(onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish());
  }
}
