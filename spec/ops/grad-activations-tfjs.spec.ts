/**
 * ops.vjp of the activations on each Node TF.js backend (tfjs-cpu, tfjs-wasm, tfjs-tensorflow) against
 * jax.vjp of Keras 3.15.1's op on JAX 0.10.2: every point of a grid that holds the kinks, ±inf, NaN, ±0 and
 * ±1e-40, with a finite cotangent and with inf, -inf, NaN and 0 ones; the ops over an axis on matrices
 * with ties, -inf, NaN and a +inf. Keras 3.6.0 on JAX 0.4.34 gives the same within the tolerance for its
 * 15 of these ops (checked when this was written). Each vjp and pullback, their results disposed, must
 * leave tf.memory().numTensors as it was.
 *
 * The expected values come from KERAS_BACKEND=jax .venv/keras-3.15.1/bin/python, with
 *   def vjp(op, x, dy, **kwargs):
 *       f = lambda v: getattr(keras.ops, op)(v, **kwargs)
 *       return jax.vjp(f, jnp.asarray(x, "float32"))[1](jnp.asarray(dy, "float32"))[0]
 * ELEMENTWISE rows: [op, kwargs, vjp(op, X, DY, **kwargs), vjp(op, np.tile(X, (4, 1)), SPECIAL_DY, **kwargs)];
 * ALONG_AXES rows: [op, kwargs, shape, x, dy, vjp(op, x.reshape(shape), dy.reshape(out shape), **kwargs)]
 * (a list axis passed as a tuple). jnp arrays matter: jax.vjp of a NumPy x skips XLA's flush of
 * subnormals in relu's comparison (1e-40 > 0 is then true), as Keras's own jnp tensors never do.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { GRADIENT_OVERRIDES } from '../../adapters/tfjs/grad/overrides.js';
import { currentAdapter } from '../../src/backend/registry.js';
import { isClose } from '../../src/golden/compare.js';
import { listBackends, setBackend, tensor, type Tensor } from '../../src/index.js';
import { opsFor } from '../../src/ops/api.js';
import { KERAS_TOL } from '../helpers.js';

const ops = opsFor('3.15.1');
const TFJS = (await listBackends()).filter((b) => b.name.startsWith('tfjs-') && b.available).map((b) => b.name);

const inf = Infinity;
const X = [-inf, -100, -20, -6.5, -6, -3.5, -3, -2, -1, -0.5, -1e-40, -0, 0, 1e-40, 0.5, 1, 2, 3, 6, 7, 20, 100, inf, NaN];
const DY = [1.5, -2, 0.25, 3, -0.75, 1, 2.5, -1.25, 1.5, -2, 0.25, 3, -0.75, 1, 2.5, -1.25, 1.5, -2, 0.25, 3, -0.75, 1, 2.5, -1.25];
/** One row of X per cotangent: inf, -inf, NaN and 0 everywhere. */
const SPECIAL_DY = [inf, -inf, NaN, 0].flatMap((c) => X.map(() => c));

type Kwargs = Record<string, unknown>;

const ELEMENTWISE: [string, Kwargs, number[], number[][]][] = [
  ['relu', {},
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2.5, -1.25, 1.5, -2, 0.25, 3, -0.75, 1, 2.5, 0],
    [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, inf, inf, inf, inf, inf, inf, inf, inf, inf, 0],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, 0],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, 0],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]],
  ['relu6', {},
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2.5, -1.25, 1.5, -2, 0, 0, 0, 0, 0, 0],
    [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, inf, inf, inf, inf, 0, 0, 0, 0, 0, 0],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -inf, -inf, -inf, -inf, 0, 0, 0, 0, 0, 0],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN, NaN, NaN, NaN, 0, 0, 0, 0, 0, 0],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]],
  ['sigmoid', {},
    [0, -0, 5.152884e-10, 0.004496786, -0.0018498818, 0.028453022, 0.112941645, -0.13124198, 0.2949179, -0.47000742, 0.0625, 0.75, -0.1875, 0.25, 0.5875093, -0.24576491, 0.15749043, -0.09035331, 0.00061661645, 0.0027305023, -0, 0, 0, NaN],
    [[NaN, NaN, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, NaN, NaN, NaN, NaN],
     [NaN, NaN, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, NaN, NaN, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN]]],
  ['softplus', {},
    [0, -0, 5.152884e-10, 0.0045035454, -0.0018544672, 0.029312233, 0.11856468, -0.14900364, 0.4034121, -0.75508136, 0.125, 1.5, -0.375, 0.5, 1.5561484, -0.9138232, 1.3211956, -1.9051483, 0.24938183, 2.9972675, -0.75, 1, 2.5, NaN],
    [[NaN, NaN, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, NaN],
     [NaN, NaN, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN]]],
  ['softsign', {},
    [NaN, -0.00019606017, 0.00056689326, 0.053333342, -0.015306123, 0.049382716, 0.15625, -0.13888887, 0.375, -0.88888896, 0.25, 3, -0.75, 1, 1.111111, -0.3125, 0.16666666, -0.125, 0.005102042, 0.046875, -0.0017006807, 9.803008e-05, NaN, NaN],
    [[NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN, NaN]]],
  ['silu', {},
    [NaN, 0, -9.79048e-09, -0.024725562, 0.009244824, -0.07027335, -0.22026025, 0.11348031, 0.10849424, -0.52007765, 0.125, 1.5, -0.375, 0.5, 1.849903, -1.1595881, 1.6361763, -2.1762083, 0.25308156, 3.0163805, -0.75, 1, NaN, NaN],
    [[NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, inf, inf, inf, inf, inf, inf, NaN, NaN, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, -inf, -inf, -inf, -inf, -inf, -inf, NaN, NaN, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN, NaN]]],
  ['log_sigmoid', {},
    [1.5, -2, 0.25, 2.9954958, -0.74814546, 0.97068787, 2.3814354, -1.1009963, 1.0965878, -1.2449187, 0.125, 1.5, -0.375, 0.5, 0.9438517, -0.33617675, 0.17880437, -0.09485175, 0.00061815575, 0.0027331542, -1.5458652e-09, 0, 0, NaN],
    [[inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, NaN, NaN, NaN],
     [-inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, NaN, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN]]],
  ['leaky_relu', {},
    [0.3, -0.4, 0.05, 0.6, -0.15, 0.2, 0.5, -0.25, 0.3, -0.4, 0.25, 3, -0.75, 1, 2.5, -1.25, 1.5, -2, 0.25, 3, -0.75, 1, 2.5, -0.25],
    [[inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf],
     [-inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]],
  ['leaky_relu', { negative_slope: 0.5 },
    [0.75, -1, 0.125, 1.5, -0.375, 0.5, 1.25, -0.625, 0.75, -1, 0.25, 3, -0.75, 1, 2.5, -1.25, 1.5, -2, 0.25, 3, -0.75, 1, 2.5, -0.625],
    [[inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf],
     [-inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]],
  ['hard_sigmoid', {},
    [0, 0, 0, 0, 0, 0, 0, -0.20833334, 0.25, -0.33333334, 0.041666668, 0.5, -0.125, 0.16666667, 0.4166667, -0.20833334, 0.25, 0, 0, 0, 0, 0, 0, 0],
    [[0, 0, 0, 0, 0, 0, 0, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, 0, 0, 0, 0, 0, 0, 0],
     [0, 0, 0, 0, 0, 0, 0, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, 0, 0, 0, 0, 0, 0, 0],
     [0, 0, 0, 0, 0, 0, 0, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, 0, 0, 0, 0, 0, 0, 0],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]],
  ['hard_silu', {},
    [0, 0, 0, 0, 0, 0, 0, 0.20833334, 0.25, -0.6666667, 0.125, 1.5, -0.375, 0.5, 1.6666667, -1.0416667, 1.75, -2, 0.25, 3, -0.75, 1, 2.5, NaN],
    [[NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, inf, inf, inf, inf, inf, inf, inf, inf, inf, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN]]],
  ['elu', {},
    [0, 0, 0, 0.0045104027, -0.0018590838, 0.030197382, 0.12446761, -0.16916908, 0.5518192, -1.2130613, 0.25, 3, -0.75, 1, 2.5, -1.25, 1.5, -2, 0.25, 3, -0.75, 1, 2.5, NaN],
    [[NaN, NaN, NaN, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, NaN],
     [NaN, NaN, NaN, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN]]],
  ['elu', { alpha: 0.5 },
    [0, 0, 0, 0.0022552013, -0.0009295419, 0.015098691, 0.062233806, -0.08458454, 0.2759096, -0.60653067, 0.125, 1.5, -0.375, 0.5, 2.5, -1.25, 1.5, -2, 0.25, 3, -0.75, 1, 2.5, NaN],
    [[NaN, NaN, NaN, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, NaN],
     [NaN, NaN, NaN, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN]]],
  ['selu', {},
    [0, 0, 0, 0.007929736, -0.0032684538, 0.053089995, 0.21882643, -0.29741606, 0.97015285, -2.1326823, 0.43952483, 5.2742977, -1.3185744, 1.7580993, 2.6267526, -1.3133763, 1.5760515, -2.101402, 0.26267526, 3.152103, -0.78802574, 1.050701, 2.6267526, NaN],
    [[NaN, NaN, NaN, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, NaN],
     [NaN, NaN, NaN, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN]]],
  ['gelu', {},
    [NaN, 0, 0, 0, 0, -0.0024225921, -0.028959975, 0.10762429, -0.12444614, -0.26526022, 0.125, 1.5, -0.375, 0.5, 2.1684248, -1.353705, 1.6291491, -2.0231678, 0.25, 3, -0.75, 1, NaN, NaN],
    [[NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, inf, inf, inf, inf, NaN, NaN, NaN, NaN, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, -inf, -inf, -inf, -inf, NaN, NaN, NaN, NaN, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN, NaN]]],
  ['gelu', { approximate: false },
    [NaN, 0, 0, -5.0851656e-09, 2.6601585e-08, -0.0028217607, -0.029864132, 0.10653978, -0.12497321, -0.26500976, 0.125, 1.5, -0.375, 0.5, 2.168738, -1.3541443, 1.6278477, -2.0238912, 0.25, 3, -0.75, 1, NaN, NaN],
    [[NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, inf, inf, inf, inf, inf, inf, NaN, NaN, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, -inf, -inf, -inf, -inf, -inf, -inf, NaN, NaN, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN, NaN]]],
  ['celu', {},
    [0, -0, 0, 0.0045104027, -0.0018590838, 0.030197382, 0.12446761, -0.16916908, 0.5518192, -1.2130613, 0.25, 3, -0.75, 1, 2.5, -1.25, 1.5, -2, 0.25, 3, -0.75, 1, 2.5, NaN],
    [[NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, inf, inf, inf, inf, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, -inf, -inf, -inf, -inf, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN]]],
  ['celu', { alpha: 2.0 },
    [0, -0, 1.1354685e-05, 0.11632258, -0.037340283, 0.17377394, 0.55782545, -0.4598493, 0.909796, -1.5576016, 0.25, 3, -0.75, 1, 2.5, -1.25, 1.5, -2, 0.25, 3, -0.75, 1, 2.5, NaN],
    [[NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, inf, inf, inf, inf, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, -inf, -inf, -inf, -inf, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN]]],
  ['celu', { alpha: 0.0 },
    [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
    [[NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN]]],
  ['hard_shrink', {},
    [1.5, -2, 0.25, 3, -0.75, 1, 2.5, -1.25, 1.5, 0, 0, 0, 0, 0, 0, -1.25, 1.5, -2, 0.25, 3, -0.75, 1, 2.5, 0],
    [[inf, inf, inf, inf, inf, inf, inf, inf, inf, 0, 0, 0, 0, 0, 0, inf, inf, inf, inf, inf, inf, inf, inf, 0],
     [-inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, 0, 0, 0, 0, 0, 0, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, 0],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, 0, 0, 0, 0, 0, 0, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, 0],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]],
  ['hard_shrink', { threshold: 0.0 },
    [1.5, -2, 0.25, 3, -0.75, 1, 2.5, -1.25, 1.5, -2, 0, 0, 0, 0, 2.5, -1.25, 1.5, -2, 0.25, 3, -0.75, 1, 2.5, 0],
    [[inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, 0, 0, 0, 0, inf, inf, inf, inf, inf, inf, inf, inf, inf, 0],
     [-inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, 0, 0, 0, 0, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, 0],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, 0, 0, 0, 0, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, 0],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]],
  ['hard_tanh', {},
    [0, 0, 0, 0, 0, 0, 0, 0, 1.5, -2, 0.25, 3, -0.75, 1, 2.5, -1.25, 0, 0, 0, 0, 0, 0, 0, -1.25],
    [[0, 0, 0, 0, 0, 0, 0, 0, inf, inf, inf, inf, inf, inf, inf, inf, 0, 0, 0, 0, 0, 0, 0, inf],
     [0, 0, 0, 0, 0, 0, 0, 0, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, 0, 0, 0, 0, 0, 0, 0, -inf],
     [0, 0, 0, 0, 0, 0, 0, 0, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, 0, 0, 0, 0, 0, 0, 0, NaN],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]],
  ['soft_shrink', {},
    [1.5, -2, 0.25, 3, -0.75, 1, 2.5, -1.25, 1.5, 0, 0, 0, 0, 0, 0, -1.25, 1.5, -2, 0.25, 3, -0.75, 1, 2.5, 0],
    [[inf, inf, inf, inf, inf, inf, inf, inf, inf, 0, 0, 0, 0, 0, 0, inf, inf, inf, inf, inf, inf, inf, inf, 0],
     [-inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, 0, 0, 0, 0, 0, 0, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, 0],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, 0, 0, 0, 0, 0, 0, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, 0],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]],
  ['soft_shrink', { threshold: 2.0 },
    [1.5, -2, 0.25, 3, -0.75, 1, 2.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -2, 0.25, 3, -0.75, 1, 2.5, 0],
    [[inf, inf, inf, inf, inf, inf, inf, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, inf, inf, inf, inf, inf, inf, 0],
     [-inf, -inf, -inf, -inf, -inf, -inf, -inf, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -inf, -inf, -inf, -inf, -inf, -inf, 0],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN, NaN, NaN, NaN, NaN, NaN, 0],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]],
  ['squareplus', {},
    [NaN, -0.00019988418, 0.0006203428, 0.066331625, -0.019243777, 0.065878436, 0.20993716, -0.18305826, 0.41458982, -0.75746435, 0.125, 1.5, -0.375, 0.5, 1.5531695, -0.9045085, 1.2803301, -1.8320503, 0.24358541, 2.9422858, -0.74813896, 0.99990004, NaN, NaN],
    [[NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, inf, inf, inf, inf, inf, inf, inf, inf, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN, NaN]]],
  ['squareplus', { b: 0 },
    [NaN, -2.2351742e-08, -1.8626451e-09, -1.0430813e-07, 0, -2.2351742e-08, -5.9604645e-08, 0, 0, 0, NaN, NaN, NaN, NaN, 2.5, -1.25, 1.5, -2, 0.25, 3, -0.75, 1, NaN, NaN],
    [[NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, inf, inf, inf, inf, inf, inf, inf, inf, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN, NaN, NaN, NaN, 0, 0, 0, 0, 0, 0, 0, 0, NaN, NaN]]],
  ['tanh_shrink', {},
    [1.5, -2, 0.25, 2.9999728, -0.7499814, 0.9963592, 2.4753346, -1.1616864, 0.8700385, -0.42710447, 0, 0, 0, 0, 0.5338808, -0.72503215, 1.3940238, -1.9802678, 0.2499938, 2.99999, -0.75, 1, 2.5, NaN],
    [[NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN]]],
  ['sparse_plus', {},
    [NaN, 0, 0, 0, 0, 0, 0, 0, 0, -0.5, 0.125, 1.5, -0.375, 0.5, 1.875, -1.25, 1.5, -2, 0.25, 3, -0.75, 1, NaN, NaN],
    [[NaN, 0, 0, 0, 0, 0, 0, 0, 0, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, inf, NaN, NaN],
     [NaN, 0, 0, 0, 0, 0, 0, 0, 0, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, NaN, NaN],
     [NaN, 0, 0, 0, 0, 0, 0, 0, 0, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN, NaN]]],
  ['threshold', { threshold: 0.5, default_value: -1.0 },
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1.25, 1.5, -2, 0.25, 3, -0.75, 1, 2.5, 0],
    [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, inf, inf, inf, inf, inf, inf, inf, inf, 0],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, 0],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, 0],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]],
  ['threshold', { threshold: 0.0, default_value: 0.0 },
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2.5, -1.25, 1.5, -2, 0.25, 3, -0.75, 1, 2.5, 0],
    [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, inf, inf, inf, inf, inf, inf, inf, inf, inf, 0],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, 0],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, 0],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]],
  ['sparse_sigmoid', {},
    [0, -0, 0, 0, -0, 0, 0, -0, 0.375, -1, 0.125, 1.5, -0.375, 0.5, 1.25, -0.3125, 0, -0, 0, 0, -0, 0, 0, -0],
    [[NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, inf, inf, inf, inf, inf, inf, inf, inf, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]],
];

const ALONG_AXES: [string, Kwargs, number[], number[], number[], number[]][] = [
  ['softmax', { axis: -1 }, [3, 4],
    [0.5, -1, 2, 0.5, -inf, 0, 1, -inf, -90, 0, 4, 3],
    [1.5, 0.5, 0, -1, -0.75, -2, -1.75, -2, -1.5, 1.25, 0.75, 1.75],
    [0.21011563, 0.01360406, -0.06096916, -0.16275051, 0, -0.049152903, 0.04915321, -0, -0, 0.0030126127, -0.19621646, 0.19320388]],
  ['softmax', { axis: 0 }, [3, 4],
    [0.5, -1, 2, 0.5, -inf, 0, 1, -inf, -90, 0, 4, 3],
    [0, 0, 1, 2, -2, -1.5, 1.25, 2, -1, -0.75, 1.5, -0.25],
    [0, 0.14762805, -0.049378004, 0.15773337, -0, -0.23218358, -0.0076626344, 0, -0, 0.08455554, 0.057040453, -0.15773337]],
  ['softmax', { axis: [0, 1] }, [3, 4],
    [0.5, -1, 2, 0.5, -inf, 0, 1, -inf, -90, 0, 4, 3],
    [1.5, -1, -1.75, -0.75, -0.25, 1.25, -0.25, -1.75, -0.75, 0.5, 1.25, 1],
    [0.011755966, -0.0075442097, -0.21279433, -0.029254125, -0, 0.00436659, -0.03320652, -0, -0, -0.003924703, 0.23840773, 0.03219361]],
  ['softmax', { axis: null }, [3, 4],
    [0.5, -1, 2, 0.5, -inf, 0, 1, -inf, -90, 0, 4, 3],
    [1.25, -1.75, -1.25, -1, -1.25, 1.25, 1.5, 0.25, -2, -1.75, -0.75, -0.25],
    [0.033233136, -0.0047854697, -0.055275515, -0.0077769575, -0, 0.020156916, 0.062304866, 0, -0, -0.0130082555, -0.106641024, 0.071792334]],
  ['log_softmax', { axis: -1 }, [3, 4],
    [0.5, -1, 2, 0.5, -inf, 0, 1, -inf, -90, 0, 4, 3],
    [1, 2, 1.5, 0, 1.75, 2, 2, -1.75, -0.25, 0.5, -1, -0.5],
    [0.32884097, 1.8502442, -1.507926, -0.671159, 1.75, 0.9242343, -0.9242344, -1.75, -0.25, 0.5165161, -0.098251104, -0.16826512]],
  ['log_softmax', { axis: 0 }, [3, 4],
    [0.5, -1, 2, 0.5, -inf, 0, 1, -inf, -90, 0, 4, 3],
    [0.75, 1.25, -2, 1.25, -0.25, 0, 0.5, -1, 2, -2, -1, -0.5],
    [-1.75, 1.3665218, -1.714512, 1.2689645, -0.25, 0.3167391, 0.6050252, -1, 2, -1.6832609, 1.1094868, -0.26896453]],
  ['log_softmax', { axis: [0, 1] }, [3, 4],
    [0.5, -1, 2, 0.5, -inf, 0, 1, -inf, -90, 0, 4, 3],
    [-0.25, 0.25, 0, -0.75, 2, -0.5, 0.75, -0.5, -0.25, 2, -1.25, 0.5],
    [-0.28645343, 0.24186614, -0.16337287, -0.7864534, 2, -0.5221101, 0.6898985, -0.5, -0.25, 1.9778899, -2.4571714, 0.05590648]],
  ['log_softmax', { axis: null }, [3, 4],
    [0.5, -1, 2, 0.5, -inf, 0, 1, -inf, -90, 0, 4, 3],
    [2, 0.5, 0.75, 1.75, 0.25, 1.25, 1.5, -1.25, -2, -0.75, -1, 1.5],
    [1.9179798, 0.4816988, 0.38241103, 1.6679798, 0.25, 1.2002523, 1.3647716, -1.25, -2, -0.79974777, -3.7161355, 0.5007896]],
  ['softmax', {}, [4, 4],
    [inf, 0, 1, 2, NaN, 1, 2, 3, -inf, -inf, -inf, -inf, 1, 2, 3, 4],
    [1, -0.75, -1.25, 2, -1.5, -0.75, 0.5, 1.25, 0.5, 1.5, -2, -0.5, 0.25, -0.25, -0.5, -0.5],
    [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, 0.022574706, 0.017792253, -0.01085635, -0.029510617]],
  ['log_softmax', {}, [4, 4],
    [inf, 0, 1, 2, NaN, 1, 2, 3, -inf, -inf, -inf, -inf, 1, 2, 3, 4],
    [-0.25, 1.5, 2, -1, -1.75, 0.5, 0.75, 1.25, 0.5, 1, 1.75, 1.75, 1.75, 1.5, 1, 1.75],
    [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, 1.5576484, 0.9771341, -0.42129695, -2.1134856]],
  ['glu', {}, [3, 6],
    [3e+38, 1, -2, -90, 0.5, 3, inf, -inf, NaN, 1, 2, -1, 1, 2, 3, -inf, inf, NaN],
    [1.25, 2, -1, -1.25, 1.25, 1.5, 0, -1.5, 1.5],
    [0, 1.2449187, -0.95257413, NaN, 0.47000742, 0.09035331, -0.91382325, 1.1009963, 0.40341216, -inf, -inf, NaN, 0, -1.5, NaN, 0, -0, NaN]],
  ['glu', { axis: 0 }, [4, 3],
    [3e+38, inf, 1, 1, -inf, 2, -2, NaN, 3, -90, 1, -inf],
    [-1.5, -1.5, 1.25, 0, 0.5, 0.5],
    [-0.17880438, NaN, 1.1907177, 0, 0.3655293, 0, -inf, NaN, 0.05647082, 0, -inf, 0]],
  ['sparsemax', {}, [6, 5],
    [1, 2, 3, 4, 5, 0.5, 0.5, 0.5, 0.1, -1, 0.1, -5, 0.1, -6, -7, NaN, 2, -inf, 1, 0.9, 1, 0, -1, -2, -3, inf, 1, 2, 3, 4],
    [0.5, -1, 2, 2, -1.75, -1.25, -1.25, -1.25, 0.25, -0.75, 0, -1.25, 2, 0.75, 0.75, -1.75, -1.5, 1.75, -0.75, 1.5, 1.25, -2, 0, 0.25, -0.25, -1.75, 1, -1, -0.75, -0.25],
    [0, -0, 0, 1, -1, -0, -0, -0, 0, -0, -2, -0, 1, 0, 0, -0, 0.375, 0, -0.375, 0, 1, -1, 0, 0, -0, -1.75, 1, -1, -0.75, -0.25]],
  ['sparsemax', { axis: 0 }, [5, 6],
    [1, 0.5, 0.1, NaN, 1, inf, 2, 0.5, -5, 2, 0, 1, 3, 0.5, 0.1, -inf, -1, 2, 4, 0.1, -6, 1, -2, 3, 5, -1, -7, 0.9, -3, 4],
    [1.75, 1.5, 1.25, 1.5, -1.75, 1.25, 2, -1, -1.5, -1.75, 1.25, 2, 0.5, 0.5, 1.25, -2, 1.5, 1.75, -1.5, 2, 1.5, -1, 0, 1.25, 1.75, -1.75, 0.75, -0.25, -0.75, 1.25],
    [0, 0, -1.25, 0, -0.625, 1.25, 0, -0, -0, 0.5, 0.625, 2, 0, 0, 0, -0, 0, 1.75, -0.75, 0, 0, -0.5, 0, 1.25, 0.75, -0, 0, -0, -0, 1.25]],
];

/**
 * tanh's result differs between XLA and TF.js: by up to 7 * 2^-24 (7 ulps of |t| in [0.5, 1)) on
 * tfjs-tensorflow, 4 on cpu and wasm (measured over [-12, 12]; XLA is 3.8 ulps from tanh, libtensorflow
 * 5.5), and not at all from |u| = 10 on, where every one gives ±1. A gradient then moves by |d dx / dt|
 * times 9 * 2^-24: 2|dy| for tanh_shrink, dy + (-dy - dy t)(1 - t); for approximate gelu,
 * dy (1 + t) / 2 + k (1 + 3c x²) (g + g t)(1 - t) with g = dy x / 2, |dy| (1/2 + k (1 + 3c x²) |x|)
 * (k = sqrt(2 / pi), c = 0.044715): at x = -3, dy = 2.5 that is 7.8e-6 (tfjs-tensorflow is 1.3e-6 off).
 */
const TANH_SPREAD = 9 * 2 ** -24;
const K = Math.sqrt(2 / Math.PI);
const TANH_SENSITIVITY: Record<string, (x: number, dy: number, kwargs: Kwargs) => number> = {
  tanh_shrink: (x, dy) => (Math.abs(x) < 10 ? 2 * Math.abs(dy) : 0),
  gelu: (x, dy, { approximate = true }) => {
    const u = K * (x + 0.044715 * x ** 3);
    return approximate && Math.abs(u) < 10 ? Math.abs(dy) * (0.5 + K * (1 + 3 * 0.044715 * x * x) * Math.abs(x)) : 0;
  },
};

/** The gradient of x for the cotangent dy, read back; the vjp's tensors all released. */
function gradient(op: string, kwargs: Kwargs, x: number[], shape: number[], dy: number[]): number[] {
  const before = tf.memory().numTensors;
  const input = tensor(new Float32Array(x), shape, 'float32');
  const [y, pullback] = ops.vjp(op, [input], kwargs);
  const cotangent = tensor(new Float32Array(dy), (y as Tensor).shape, 'float32');
  const { x: dx } = pullback(cotangent);
  const got = Array.from(dx.dataSync());
  for (const t of [input, y as Tensor, cotangent, dx]) t.dispose();
  pullback.dispose();
  expect(tf.memory().numTensors, 'tensors left by the vjp').to.equal(before);
  return got;
}

function expectGradient(got: number[], want: number[], atolAt: (i: number) => number = () => KERAS_TOL.atol) {
  expect(got.length).to.equal(want.length);
  const bad = want.flatMap((w, i) => (isClose(got[i], w, { atol: atolAt(i), rtol: KERAS_TOL.rtol }) ? [] : [`[${i}] ${got[i]} for ${w}`]));
  expect(bad, bad.join('; ')).to.deep.equal([]);
}

const label = (op: string, kwargs: Kwargs) => `${op}(${Object.entries(kwargs).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')})`;

describe('ops.vjp of the activations on TF.js, against jax.vjp', () => {
  after(() => setBackend('reference'));

  it('GRADIENT_OVERRIDES names only ops that have a TF.js backward rule', async function () {
    if (!TFJS.length) this.skip();
    await setBackend(TFJS[0]);
    const rules = Object.keys(currentAdapter().vjps ?? {});
    expect(Object.keys(GRADIENT_OVERRIDES).filter((op) => !rules.includes(op))).to.deep.equal([]);
  });

  for (const backend of TFJS) {
    describe(backend, () => {
      before(() => setBackend(backend));

      for (const [op, kwargs, finite, special] of ELEMENTWISE) {
        it(`${label(op, kwargs)} over the grid, and for inf, -inf, NaN and 0 cotangents`, () => {
          const spread = TANH_SENSITIVITY[op];
          const atolAt = (xs: number[], dys: number[]) => (i: number) =>
            KERAS_TOL.atol + (spread ? spread(xs[i], dys[i], kwargs) * TANH_SPREAD : 0);
          expectGradient(gradient(op, kwargs, X, [X.length], DY), finite, atolAt(X, DY));
          const xs = special.flatMap(() => X);
          expectGradient(gradient(op, kwargs, xs, [special.length, X.length], SPECIAL_DY), special.flat(), atolAt(xs, SPECIAL_DY));
        });
      }

      for (const [op, kwargs, shape, x, dy, want] of ALONG_AXES) {
        it(`${label(op, kwargs)} of a ${shape.join('x')} matrix`, () => {
          expectGradient(gradient(op, kwargs, x, shape, dy), want);
        });
      }

      it("softsign at +-3e38: g * d**-2 first, as jax.vjp's transpose, so g * x does not overflow", () => {
        // vjp("softsign", [3e38, -3e38, 3e38, 1e20], [1.4711701, 2, -3, 1e20])
        expectGradient(gradient('softsign', {}, [3e38, -3e38, 3e38, 1e20], [4], [1.4711701, 2, -3, 1e20]), [0, 0, 0, 1]);
      });

      it('silu at +-3e38: g * x overflows and meets s (1 - s) = 0, NaN as in jax.vjp', () => {
        // vjp("silu", [0, -3e38, 3e38, -3e38], [-0.5470981, 1.4638209, 2, 0.5])
        expectGradient(gradient('silu', {}, [0, -3e38, 3e38, -3e38], [4], [-0.5470981, 1.4638209, 2, 0.5]), [-0.27354905, NaN, NaN, 0]);
      });

      it('a pullback gives the same gradient when called again, and after another backend became active', async () => {
        const before = tf.memory().numTensors;
        const x = tensor(new Float32Array([-1, 3, 6, 7]), [4], 'float32');
        const [y, pullback] = ops.vjp('relu6', [x]);
        const first = pullback(new Float32Array([1, 1, 1, 1])).x;
        await setBackend(TFJS.find((b) => b !== backend) ?? backend);
        const again = pullback(new Float32Array([1, 1, 1, 1])).x;
        expect(Array.from(again.dataSync())).to.deep.equal(Array.from(first.dataSync())).and.to.deep.equal([0, 1, 0, 0]);
        await setBackend(backend);
        for (const t of [x, y as Tensor, first, again]) t.dispose();
        pullback.dispose();
        expect(tf.memory().numTensors).to.equal(before);
      });
    });
  }
});
