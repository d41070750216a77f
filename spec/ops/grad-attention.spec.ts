/**
 * dot_product_attention's backward rule through ops.vjp, checked two ways: on the reference against
 * central differences of attention's float64 form (JAX's check_grads, a witness that knows nothing of the
 * rule) for multi-head, grouped and multi-query heads, full and broadcast biases, masks with a fully
 * masked row, the causal mask, a scale and Keras 3.12's fallback (a broadcast key and value, a float
 * mask); and at causal rows, a fully masked row, a NaN row beside masked keys and broadcast biases
 * against jax.vjp of Keras on JAX, run live, on the reference and each Node TF.js backend, every vjp
 * leaving tf.memory() as it was.
 */
import { expect } from 'chai';
import { broadcastTo, sizeOf } from '../../adapters/reference/ndarray.js';
import { KerasRuntimeError, KerasValueError, opsFor, setBackend, tensor, type Tensor } from '../../src/index.js';
import { expectKerasError } from '../helpers.js';
import { checkGrads, describeOnTfjs, expectRow, f32, normals, pullback, rowTitle, type Input, type Kwargs, type Nested, type Row } from './grad-check.js';

/** jax's masked logit, -0.7 * float32 max: a fully masked row's logits are all this, so its weights 1 / S. */
const MASKED_LOGIT = -0.7 * 3.4028234663852886e38;

/** The sizes of one call: query (B, T, N, H), key and value (B, S, K, H); bias and mask shapes as given. */
interface Geometry {
  B: number;
  T: number;
  S: number;
  N: number;
  K: number;
  H: number;
  query?: number[];
  key?: number[];
  bias?: number[];
  /** The mask's values (0 masks), broadcast from `maskShape`. */
  mask?: number[];
  maskShape?: number[];
  causal?: boolean;
  scale?: number;
}

const full = (g: Geometry) => ({
  query: [g.B, g.T, g.N, g.H],
  key: [g.B, g.S, g.K, g.H],
  logits: [g.B, g.N, g.T, g.S],
});

/** Attention in float64: softmax(q.k * scale + bias, masked as jax masks) weighing the values. */
function attention64(x: Record<string, Float64Array>, g: Geometry): Float64Array {
  const { B, T, S, N, K, H } = g;
  const shapes = full(g);
  const q = broadcastTo(x.query, g.query ?? shapes.query, shapes.query);
  const [k, v] = ['key', 'value'].map((n) => broadcastTo(x[n], g.key ?? shapes.key, shapes.key));
  const bias = x.bias && broadcastTo(x.bias, g.bias!, shapes.logits);
  const mask = g.mask && broadcastTo(Float64Array.from(g.mask), g.maskShape!, shapes.logits);
  const scale = g.scale ?? 1 / Math.sqrt(H);
  const out = new Float64Array(B * T * N * H);
  for (let b = 0; b < B; b++) {
    for (let n = 0; n < N; n++) {
      const kv = Math.floor(n / (N / K));
      for (let t = 0; t < T; t++) {
        const row = ((b * N + n) * T + t) * S;
        const at = ((b * T + t) * N + n) * H;
        const logits = Array.from({ length: S }, (_, s) => {
          const kept = (!mask || mask[row + s] !== 0) && (!g.causal || s <= t);
          let dot = 0;
          for (let h = 0; h < H; h++) dot += q[at + h] * k[((b * S + s) * K + kv) * H + h];
          return kept ? dot * scale + (bias ? bias[row + s] : 0) : MASKED_LOGIT;
        });
        const top = Math.max(...logits);
        const e = logits.map((l) => Math.exp(l - top));
        const sum = e.reduce((a, c) => a + c, 0);
        e.forEach((es, s) => {
          for (let h = 0; h < H; h++) out[at + h] += (es / sum) * v[((b * S + s) * K + kv) * H + h];
        });
      }
    }
  }
  return out;
}

/** Row-major values of `shape` as nested arrays. */
function nest(x: ArrayLike<number>, shape: number[], as: (v: number) => number | boolean = (v) => v): Nested {
  if (!shape.length) return as(x[0]) as number;
  const step = sizeOf(shape.slice(1));
  return Array.from({ length: shape[0] }, (_, i) => nest(Array.from(x).slice(i * step, (i + 1) * step), shape.slice(1), as));
}

interface Draw {
  title: string;
  geometry: Geometry;
  /** The mask as a float32 tensor: Keras 3.12's fallback, which keeps what is not 0. */
  floatMask?: boolean;
}

function inputsOf({ geometry: g }: Draw, seed: number): Record<string, Input> {
  const shapes = full(g);
  const draw = (shape: number[], n: number): Input => [normals(sizeOf(shape), seed + n), shape];
  return {
    query: draw(g.query ?? shapes.query, 1),
    key: draw(g.key ?? shapes.key, 2),
    value: draw(g.key ?? shapes.key, 3),
    ...(g.bias && { bias: draw(g.bias, 4) }),
  };
}

function kwargsOf({ geometry: g, floatMask }: Draw): Kwargs {
  const mask = g.mask && (floatMask ? f32(nest(g.mask, g.maskShape!)) : nest(g.mask, g.maskShape!, (v) => v !== 0));
  return { ...(mask && { mask }), ...(g.causal && { is_causal: true }), ...(g.scale !== undefined && { scale: g.scale }) };
}

/** check_grads' K: the longest sum, the softmax's over S, dk's and dv's over the G*T queries of a kv head. */
const longest = ({ B, T, S, N, K, H }: Geometry) => H + 2 * S + B * (N / K) * T + 8;

/** A mask of (1, 1, T, S) or larger that masks every key of row `full`, and some keys of the others. */
function maskWithEmptyRow(shape: number[], S: number, emptyRow: number): number[] {
  return Array.from({ length: sizeOf(shape) }, (_, i) => (Math.floor(i / S) === emptyRow ? 0 : i % 3 === 1 ? 0 : 1));
}

const DRAWS: Draw[] = [
  { title: 'multi-head attention with a full bias', geometry: { B: 2, T: 3, S: 4, N: 2, K: 2, H: 3, bias: [2, 2, 3, 4] } },
  {
    title: 'grouped heads, a bias broadcast over all but the keys, a mask with a fully masked row, causal',
    geometry: { B: 1, T: 4, S: 4, N: 4, K: 2, H: 2, bias: [4], mask: maskWithEmptyRow([1, 4, 4, 4], 4, 6), maskShape: [1, 4, 4, 4], causal: true },
  },
  { title: 'multi-query heads, a bias per head, scale 0.5', geometry: { B: 2, T: 2, S: 3, N: 4, K: 1, H: 2, bias: [1, 4, 1, 1], scale: 0.5 } },
  { title: 'a bias broadcast over the heads and queries, T > S, causal', geometry: { B: 2, T: 5, S: 3, N: 2, K: 2, H: 2, bias: [2, 1, 1, 3], causal: true } },
  {
    title: "Keras 3.12's fallback: a key and value of batch 1 broadcast, a float mask with a fully masked row",
    geometry: { B: 2, T: 3, S: 4, N: 2, K: 2, H: 2, key: [1, 4, 2, 2], mask: maskWithEmptyRow([2, 1, 3, 4], 4, 4), maskShape: [2, 1, 3, 4] },
    floatMask: true,
  },
];

/** A draw's gradients on the active backend for seeded cotangents, flat in input order. */
function drawGradient(draw: Draw, seed: number): number[] {
  const inputs = inputsOf(draw, seed);
  const args = Object.fromEntries(Object.entries(inputs).map(([n, [x, shape]]) => [n, f32(nest(x, shape))]));
  const { N, T, B, H } = draw.geometry;
  const grads = pullback('dot_product_attention', { ...args, ...kwargsOf(draw) }, [normals(B * T * N * H, seed)]);
  return Object.keys(inputs).flatMap((n) => grads[n]);
}

// jax.vjp of Keras 3.15.1 on JAX 0.10.2 (Keras 3.6.0 on JAX 0.4.34 gives the same to a rounding), each row
// printed by
//   def vjp(args, kwargs, ct):
//       names = [k for k, v in args.items() if isinstance(v, np.ndarray) and v.dtype == np.float32]
//       f = lambda *fl: keras.ops.dot_product_attention(**{**args, **dict(zip(names, fl)), **kwargs})
//       y, pb = jax.vjp(f, *[jnp.asarray(args[k]) for k in names])
//       return dict(zip(names, pb(jnp.asarray(ct, "float32"))))
// under KERAS_BACKEND=jax .venv/keras-3.15.1/bin/python, f32(v) = np.array(v, "float32"), masks as np.array(v).
const Q = [[[[0.5, -1]], [[1.5, 0.25]], [[-0.5, 2]]]];
const K_ = [[[[1, 0.5]], [[-1, 1]], [[0.25, -2]]]];
const V_ = [[[[2, -1]], [[0.5, 1]], [[-1.5, 0.25]]]];
const CT = [[[[1, -0.5]], [[0.25, 2]], [[-1, 1.5]]]];
const BIAS = [[[[0.5, -0.25, 1], [1, 2, -1], [0, 0.5, -0.5]]]];
const qkv = { query: f32(Q), key: f32(K_), value: f32(V_) };
const AT_SPECIAL_POINTS: Row[] = [
  // Causal rows: query 0 sees key 0 alone, a constant weight, so its gradient is 0; the bias broadcast over
  // the queries sums its rows.
  ['dot_product_attention', { ...qkv, bias: f32([[[[0.5, -0.25, 1]]]]) }, { is_causal: true }, [CT], {
    query: [[[[0, 0]], [[-0.28124141693115234, 0.07031026482582092]], [[-1.3781118392944336, 0.25129979848861694]]]],
    key: [[[[0.1444372832775116, -1.4566289186477661]], [[-0.12709268927574158, 1.3872498273849487]], [[-0.017344769090414047, 0.06937907636165619]]]],
    value: [[[[0.9027245044708252, 1.8825613260269165]], [[-0.6318837404251099, 1.0861777067184448]], [[-0.02084072306752205, 0.03126108646392822]]]],
    bias: [[[[-1.204001545906067, 1.1549429893493652, 0.04905841872096062]]]],
  }],
  // A fully masked row (query 0) weighs every value by 1/3 and passes nothing to q, k or the bias; a
  // masked key passes nothing to its bias.
  ['dot_product_attention', { ...qkv, bias: f32(BIAS), mask: [[[[false, false, false], [true, false, true], [true, true, true]]]] }, {}, [CT], {
    query: [[[[0, 0]], [[-0.031328991055488586, -0.10443001240491867]], [[-0.7076163291931152, 0.16877394914627075]]]],
    key: [[[[0.11519145220518112, -0.7218407392501831]], [[-0.1763368546962738, 0.7053474187850952]], [[0.06114543229341507, 0.01649332419037819]]]],
    value: [[[[0.44575923681259155, 1.9499646425247192]], [[-0.5355854034423828, 1.1367113590240479]], [[0.3398260474205017, -0.08667593449354172]]]],
    bias: [[[[0, 0, 0], [-0.0590745210647583, 0, 0.05907453969120979], [-0.5030341744422913, 0.49875596165657043, 0.004278223961591721]]]],
  }],
  // A NaN in query 1 makes its row NaN, but jnp.where selects: its masked key passes 0 to the bias, and
  // to key 1 only where the query's 0 meets a finite value (0 * NaN is NaN).
  ['dot_product_attention', { query: f32([[[[0.5, -1]], [[NaN, 0.25]], [[-0.5, 2]]]]), key: f32(K_), value: f32(V_), bias: f32(BIAS), mask: [[[[true, true, true], [true, false, true], [false, true, true]]]] }, { scale: 0.5 }, [CT], {
    query: [[[[0.1908464878797531, 0.7530491352081299]], [[NaN, NaN]], [[0.007135638035833836, -0.01712549664080143]]]],
    key: [[[[NaN, NaN]], [[NaN, -0.027727853506803513]], [[NaN, NaN]]]],
    value: [[[[NaN, NaN]], [[NaN, NaN]], [[NaN, NaN]]]],
    bias: [[[[0.5632933378219604, 0.03262164443731308, -0.5959149599075317], [NaN, 0, NaN], [0, -0.011417031288146973, 0.011416980996727943]]]],
  }],
  // Two query heads on one kv head, causal, scale 2, a bias per head: each head's bias gradient sums a
  // softmax's gradient over its rows, 0 to a rounding.
  ['dot_product_attention', {
    query: f32([[[[0.5, -1], [1, 0.25]], [[1.5, 0.25], [-1, 0.5]]]]), key: f32(K_), value: f32(V_), bias: f32([[[[0.5]], [[-1]]]]),
  }, { is_causal: true, scale: 2 }, [[[[[1, -0.5], [0.5, 1]], [[0.25, 2], [-1, 0.5]]]]], {
    query: [[[[0, 0], [0, 0]], [[-0.045857690274715424, 0.011464616283774376], [-0.10866229981184006, 0.027165574952960014]]]],
    key: [[[[0.01993807777762413, -0.03289775550365448]], [[-0.01993769034743309, 0.032897818833589554]], [[0, 0]]]],
    value: [[[[1.7382198572158813, 2.49914813041687]], [[-0.9882199168205261, 0.5008519291877747]], [[0, 0]]]],
    bias: [[[[1.2945383787155151e-7]], [[0]]]],
  }],
];

const flatOf = (t: Tensor) => Array.from(t.dataSync());

describe('dot_product_attention gradients', () => {
  describe('on the reference, against central differences of a float64 form (check_grads)', () => {
    before(() => setBackend('reference'));
    DRAWS.forEach((draw, n) => {
      it(draw.title, () => {
        const f64 = (x: Record<string, Float64Array>) => [attention64(x, draw.geometry)];
        checkGrads('dot_product_attention', kwargsOf(draw), inputsOf(draw, 17 * n), f64, 17 * n, longest(draw.geometry));
      });
    });
  });

  describe('on the reference', () => {
    before(() => setBackend('reference'));
    for (const row of AT_SPECIAL_POINTS) it(`jax.vjp's values at ${rowTitle(row)}`, () => expectRow(row));

    it('gives a float mask (Keras 3.12 on) zeros: it is compared, not differentiated', () => {
      const mask = f32([[[[1, 0, 0.5], [0, 0, 0], [NaN, 1, 0]]]]);
      const grads = pullback('dot_product_attention', { ...qkv, mask }, [CT.flat(3)]);
      expect(grads.mask).to.deep.equal(Array(9).fill(0));
    });

    it('takes a 3-D key and value in Keras 3.6 (jax.nn adds a batch of 1): the 4-D ones gradients', () => {
      const ops = opsFor('3.6.0');
      const gradients = (kv: number[]) => {
        const of = (v: number[][][][], shape: number[]) => tensor(Float32Array.from(v.flat(3)), shape, 'float32');
        const [query, key, value] = [of(Q, [1, 3, 1, 2]), of(K_, kv), of(V_, kv)];
        const [y, pull] = ops.vjp('dot_product_attention', [query, key, value], { is_causal: true });
        const grads = pull(CT);
        const flat = Object.fromEntries(Object.entries(grads).map(([n, g]) => [n, { shape: g.shape, values: flatOf(g) }]));
        for (const t of [query, key, value, y as Tensor, ...Object.values(grads)]) t.dispose();
        pull.dispose();
        return flat;
      };
      const [three, four] = [gradients([3, 1, 2]), gradients([1, 3, 1, 2])];
      expect(three.key.shape).to.deep.equal([3, 1, 2]);
      for (const n of ['query', 'key', 'value']) expect(three[n].values, n).to.deep.equal(four[n].values);
    });

    it("refuses flash_attention=True and any attn_logits_soft_cap as the forward does; flash_attention=False changes nothing", () => {
      const grads = (kwargs: Kwargs) => pullback('dot_product_attention', { ...qkv, ...kwargs }, [CT.flat(3)]);
      expect(grads({ flash_attention: false })).to.deep.equal(grads({}));
      expectKerasError(() => grads({ flash_attention: true }), KerasRuntimeError, 'cuDNN is not detected.');
      expectKerasError(() => grads({ attn_logits_soft_cap: 1 }), KerasValueError, /^attn_logits_soft_cap is only supported for JAX on TPU/);
    });
  });

  describeOnTfjs(DRAWS, drawGradient, AT_SPECIAL_POINTS);
});
