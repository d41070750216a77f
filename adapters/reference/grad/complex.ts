/**
 * Backward rule of polar: jax.vjp of Keras's op on JAX, for a complex64 cotangent ct.
 *
 * Keras computes y = lax.complex(re, im), re = abs_ * cos(angle), im = abs_ * sin(angle), all float32.
 * JAX transposes lax.complex as ct -> (real(ct), imag(-ct)) (_complex_transpose_rule), so a real input
 * x gets Re(ct) d(re)/dx - Im(ct) d(im)/dx = Re(ct * dy/dx): ct times the derivative, not conjugated
 * (measured with jax.vjp: abs 2, angle 0.3, ct 1+2j give 0.3643 = cos 0.3 - 2 sin 0.3 and -4.4124 =
 * 2 (-sin 0.3 - 2 cos 0.3)). Then, with cr = Re(ct) and ci = -Im(ct), through mul's transposes (ct * y
 * for x, x * ct for y) and the jvps of cos (-(g sin)) and sin (g cos):
 *   d abs_  = cr cos(angle) + ci sin(angle)
 *   d angle = -((abs_ cr) sin(angle)) + (abs_ ci) cos(angle)
 * each step a float32 product as XLA on CPU makes it (subnormal operands and results flushed), and each
 * summed back over the dims it was broadcast along (_unbroadcast).
 */
import type { Vjps } from '../../../src/ops/table.js';
import { flush, mul32, spread } from '../complex.js';
import type { RefArray } from '../ndarray.js';
import { requested, sumTo, type Arr } from './lax.js';

type ComplexVjps = Required<Pick<Vjps<RefArray>, 'polar'>>;

const add32 = (a: number, b: number): number => flush(Math.fround(a + b));

function polarT(abs: RefArray, angle: RefArray, ct: RefArray) {
  const shape = ct.shape;
  const [r, theta] = [spread(abs, shape), spread(angle, shape)];
  const [dAbs, dAngle] = [new Float64Array(r.length), new Float64Array(r.length)];
  for (let i = 0; i < r.length; i++) {
    const [cr, ci] = [ct.data[2 * i], -ct.data[2 * i + 1]];
    const [cos, sin] = [Math.fround(Math.cos(theta[i])), Math.fround(Math.sin(theta[i]))];
    dAbs[i] = add32(mul32(cr, cos), mul32(ci, sin));
    dAngle[i] = add32(-mul32(mul32(r[i], cr), sin), mul32(mul32(r[i], ci), cos));
  }
  const back = (v: Float64Array, to: RefArray): Arr => sumTo({ v, shape }, to.shape);
  return { abs_: back(dAbs, abs), angle: back(dAngle, angle) };
}

export const complexVjps: ComplexVjps = {
  polar: ({ abs_, angle }, _attrs, _out, ct, wrt) => requested(polarT(abs_, angle, ct), { abs_, angle }, wrt),
};
