/**
 * Reading an exported file back: which operators it uses and how its bytes split between weights
 * of each element type, to show what an int8 export changed.
 */
import { onnx } from 'onnx-proto';

/** What {@link describeOnnx} reports. */
export interface OnnxSummary {
  /** Opset of the default domain. */
  opset: number;
  /** Domains other than the default one, e.g. `com.microsoft`. */
  extraDomains: string[];
  /** Node count per operator type, e.g. `{ LSTM: 1, MatMul: 1 }`. */
  ops: Record<string, number>;
  /** Number of nodes. */
  nodes: number;
  /** Bytes of initializer data per element type (`float32`, `int8`, `int64`, ...). */
  weightBytes: Record<string, number>;
  /** Size of the whole file. */
  totalBytes: number;
}

const TYPE_NAMES: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64' };

/**
 * Summarises a serialised ONNX model.
 *
 * @example describeOnnx(exportOnnx(model)).ops // { Transpose: 1, LSTM: 1, Squeeze: 1, MatMul: 1, Add: 1, Identity: 1 }
 * @param bytes The model.
 * @returns Operators, opset and weight bytes.
 * @throws TypeError when bytes is not a Uint8Array; Error when it is not an ONNX model.
 */
export function describeOnnx(bytes: Uint8Array): OnnxSummary {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`bytes must be a Uint8Array, got ${typeof bytes}`);
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) throw new Error('bytes must hold an ONNX model with a graph, got none');
  const ops: Record<string, number> = {};
  const nodes = graph.node ?? [];
  for (const n of nodes) ops[n.opType ?? ''] = (ops[n.opType ?? ''] ?? 0) + 1;
  const weightBytes: Record<string, number> = {};
  for (const t of graph.initializer ?? []) {
    const type = TYPE_NAMES[t.dataType ?? 0] ?? `type${t.dataType}`;
    weightBytes[type] = (weightBytes[type] ?? 0) + (t.rawData?.length ?? 0);
  }
  const imports = model.opsetImport ?? [];
  const opset = Number(imports.find((o) => !o.domain)?.version ?? 0);
  return {
    opset,
    extraDomains: imports.flatMap((o) => (o.domain ? [o.domain] : [])),
    ops,
    nodes: nodes.length,
    weightBytes,
    totalBytes: bytes.length,
  };
}
