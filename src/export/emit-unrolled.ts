/**
 * SimpleRNN and GRU with int8 arithmetic, unrolled over time. ONNX Runtime has an int8 LSTM
 * (`DynamicQuantizeLSTM`) but no int8 RNN or GRU, so these are written out step by step:
 * - the input projection of every step at once, x·W + b for [time, batch, input], is one
 *   `DynamicQuantizeMatMul` (the bulk of the work when the input is wide);
 * - each step then does its recurrent product h·U with `DynamicQuantizeMatMul` too, and the gate
 *   arithmetic in float32.
 * The first step starts from h = 0, so its recurrent products vanish and are left out; that also
 * spares the graph a zero state whose batch size is known only at run time.
 */
import type { EmitContext, Int8Weight, Value } from './emit-context';
import type { Int8Matrix } from './int8-matrix';
import { sliceInt8Columns } from './int8-matrix';
import type { RecurrentStep } from './plan';

/**
 * Emits an unrolled SimpleRNN or GRU with int8 weights.
 *
 * @param ctx Emission state; its `timeSteps` must be known.
 * @param x Time-major input [time, batch, input].
 * @param step The layer.
 * @param wq Input kernel codes [input, gates·units], gate blocks in ONNX order (for GRU and
 *   SimpleRNN the same as tfjs's).
 * @param rq Recurrent kernel codes [units, gates·units].
 * @returns Time-major states with `returnSequences`, else the last state [batch, units].
 * @throws RangeError when the sequence length is not fixed.
 */
export function emitUnrolledRecurrent(ctx: EmitContext, x: Value, step: RecurrentStep, wq: Int8Matrix, rq: Int8Matrix): Value {
  const T = ctx.timeSteps;
  if (T === null) throw new RangeError(`layer '${step.name}': int8 ${step.cell} export unrolls time and needs a fixed sequence length, got a model input of any length`);
  const { g } = ctx;
  const u = step.units;
  const name = step.name;
  const xw = ctx.int8MatMul(x.name, wq, step.bias, `${name}_xw`);
  const steps = g.constant(`${name}_steps`, 'int64', [T], new Array(T).fill(1));
  const perStep = (v: string, base: string): string[] =>
    g.node('Split', [v, steps], Array.from({ length: T }, () => base), { axis: { int: 0 } });
  const mm = (h: string, w: Int8Weight): string => ctx.int8MatMul(h, w, null, 'm');
  const act = (v: string) => ctx.activation(v, step.activation, 'a');
  const gate = (v: string) => ctx.activation(v, step.recurrentActivation, 'g');
  const states: string[] = [];
  if (step.cell === 'SimpleRNN') {
    const xs = perStep(xw, 'x');
    const U = ctx.int8Weight(rq, `${name}_U`);
    let h = act(xs[0]);
    states.push(h);
    for (let t = 1; t < T; t++) {
      h = act(g.op('Add', [xs[t], mm(h, U)], 'p'));
      states.push(h);
    }
  } else if (step.cell === 'GRU') {
    const halves = g.constant(`${name}_zr_h`, 'int64', [2], [2 * u, u]);
    const [xzr, xh] = g.node('Split', [xw, halves], [`${name}_xzr`, `${name}_xh`], { axis: { int: 2 } });
    const xzrs = perStep(xzr, 'xzr');
    const xhs = perStep(xh, 'xh');
    const Uzr = ctx.int8Weight(sliceInt8Columns(rq, 0, 2 * u), `${name}_Uzr`);
    const Uh = ctx.int8Weight(sliceInt8Columns(rq, 2 * u, 3 * u), `${name}_Uh`);
    const gates = g.constant(`${name}_z_r`, 'int64', [2], [u, u]);
    let h = '';
    for (let t = 0; t < T; t++) {
      const zrPre = t === 0 ? xzrs[0] : g.op('Add', [xzrs[t], mm(h, Uzr)], 'p');
      const [z, r] = g.node('Split', [gate(zrPre), gates], ['z', 'r'], { axis: { int: 2 } });
      // Reset before the recurrent product: h̃ = act(x·W_h + b_h + (r ⊙ h)·U_h), as tfjs's GRU.
      const hhPre = t === 0 ? xhs[0] : g.op('Add', [xhs[t], mm(g.op('Mul', [r, h], 'rh'), Uh)], 'p');
      const hh = act(hhPre);
      // h = z ⊙ h_prev + (1 - z) ⊙ h̃, written as h̃ + z ⊙ (h_prev - h̃); with h_prev = 0, h̃ - z ⊙ h̃.
      h = t === 0
        ? g.op('Sub', [hh, g.op('Mul', [z, hh], 'zh')], 'h')
        : g.op('Add', [hh, g.op('Mul', [z, g.op('Sub', [h, hh], 'd')], 'zd')], 'h');
      states.push(h);
    }
  } else {
    throw new RangeError(`layer '${name}': the unrolled int8 export covers SimpleRNN and GRU, got ${step.cell}`);
  }
  if (step.returnSequences) {
    const seq = T === 1 ? states[0] : g.op('Concat', states, `${name}_seq`, { axis: { int: 0 } });
    return { name: seq, layout: 'time-batch', width: u };
  }
  return { name: ctx.squeeze(states[T - 1], [0], `${name}_last`), layout: 'batch', width: u };
}
