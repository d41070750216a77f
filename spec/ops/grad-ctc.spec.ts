/**
 * ctc_loss's backward rule through ops.vjp, for the logits (`output`; labels and lengths are int32),
 * checked two ways: on the reference against central differences of the loss's float64 form (JAX's
 * check_grads; repeated labels, a target of length 0, an output_length too short for its labels, a blank
 * other than 0, padding labels), and at special points against jax.vjp of Keras on JAX, run live: on the
 * reference and each Node TF.js backend, every vjp leaving tf.memory() as it was.
 *
 * An impossible alignment (too few frames for the labels) costs about 1e5 (Keras's LOG_EPSILON = -1e5 for
 * log(0)), and float32 resolves its path weights only to about u * 1e5 = 6e-3 relatively: JAX's gradient
 * there is off by up to ~2e-3 from the float64 one the reference gives (its central differences agree with
 * the reference). TF.js runs JAX's float32 steps in JAX's order and gives JAX's to 3e-8, so those points
 * are checked against jax.vjp's values on TF.js, and by central differences on the reference.
 */
import { ctcLoss } from '../../adapters/reference/ctc.js';
import { setBackend } from '../../src/index.js';
import { checkGrads, describeOnTfjs, expectRow, f32, i32, normals, pullback, ref, rowTitle, type Nested, type Row } from './grad-check.js';

const inf = Infinity;

interface Draw {
  title: string;
  target: number[][];
  shape: [number, number, number];
  targetLength: number[];
  outputLength: number[];
  maskIndex: number;
  /** Some labels do not fit their frames: float32 and float64 differ by ~1e-3 (see above). */
  impossible?: boolean;
}

const DRAWS: Draw[] = [
  { title: 'labels of length 3 over 6 frames', target: [[1, 2, 3], [3, 1, 2]], shape: [2, 6, 5], targetLength: [3, 3], outputLength: [6, 6], maskIndex: 0 },
  { title: 'repeated labels (a blank between them)', target: [[1, 1, 2], [3, 3, 3]], shape: [2, 7, 4], targetLength: [3, 3], outputLength: [7, 5], maskIndex: 0 },
  { title: 'a target of length 0', target: [[1, 2], [2, 1]], shape: [2, 4, 3], targetLength: [0, 1], outputLength: [4, 3], maskIndex: 0 },
  { title: 'an output_length shorter than its labels need (LOG_EPSILON paths)', target: [[1, 2, 3], [1, 2, 1]], shape: [2, 6, 4], targetLength: [3, 3], outputLength: [2, 6], maskIndex: 0, impossible: true },
  { title: 'mask_index 2, a label equal to 0', target: [[1, 3, 4], [4, 4, 0]], shape: [2, 6, 5], targetLength: [3, 3], outputLength: [6, 5], maskIndex: 2 },
  { title: 'padding labels -1 and a label past C', target: [[1, 2, -1, -1], [3, 7, -1, -1]], shape: [2, 6, 4], targetLength: [2, 2], outputLength: [6, 4], maskIndex: 3 },
];

const size = ([b, t, c]: number[]) => b * t * c;
const logits = (draw: Draw, n: number) => normals(size(draw.shape), 31 + n);

function fixed({ target, targetLength, outputLength, maskIndex }: Draw) {
  return { target: i32(target), target_length: i32(targetLength), output_length: i32(outputLength), mask_index: maskIndex };
}

/** The loss in float64 (the reference's forward reads any typed array as float64). */
function f64({ target, shape, targetLength, outputLength, maskIndex }: Draw) {
  const int = (v: number[], s: number[]) => ref(Float64Array.from(v), s);
  return ({ output }: Record<string, Float64Array>) => [
    ctcLoss(int(target.flat(), [shape[0], target[0].length]), ref(output, shape), int(targetLength, [shape[0]]), int(outputLength, [shape[0]]), maskIndex),
  ];
}

function drawGradient(draw: Draw, seed: number): number[] {
  const nested = (v: Float64Array): Nested => Array.from({ length: draw.shape[0] }, (_, b) =>
    Array.from({ length: draw.shape[1] }, (_, t) => Array.from(v.subarray((b * draw.shape[1] + t) * draw.shape[2], (b * draw.shape[1] + t + 1) * draw.shape[2]))));
  return pullback('ctc_loss', { ...fixed(draw), output: f32(nested(logits(draw, seed))) }, [normals(draw.shape[0], seed)]).output;
}

// jax.vjp of Keras 3.15.1 on JAX 0.10.2 (Keras 3.6.0 on JAX 0.4.34 gives the same to a rounding), each
// row printed by
//   o = jnp.asarray(np.array(LOGITS, "float32"))
//   f = lambda out: keras.ops.ctc_loss(np.array(TARGET, "int32"), out, np.array(TL, "int32"),
//                                      np.array(OL, "int32"), mask_index=MASK)
//   y, pb = jax.vjp(f, o); print(pb(jnp.asarray(np.array(CT, "float32")))[0].tolist())
// under KERAS_BACKEND=jax .venv/keras-3.15.1/bin/python.
const X = [[0.5, -1.25, 2], [1.5, 0.25, -0.5], [-1, 0.75, 0.5], [0.25, 2.5, -1.5]];
const ctc = (target: Nested, output: Nested, targetLength: number[], outputLength: number[]) => ({
  target: i32(target),
  output: f32(output),
  target_length: i32(targetLength),
  output_length: i32(outputLength),
});

const AT_SPECIAL_POINTS: Row[] = [
  // Repeated labels need a blank between them: [1, 1] in 4 frames, and in exactly 3.
  ['ctc_loss', ctc([[1, 1]], [X], [2], [4]), {}, [[1.5]], { output: [[[-0.0007967318, -1.1878829, 1.1886796], [-0.13277352, -0.010001306, 0.14277479], [-0.34011304, -0.2581746, 0.5982876], [0.042827178, -0.06727612, 0.02444878]]] }],
  ['ctc_loss', ctc([[1, 1]], [X.slice(0, 3)], [2], [3]), {}, [[1]], { output: [[[0.17682019, -0.9692733, 0.7924531], [-0.296686, 0.20150284, 0.095183201], [0.088997327, -0.48785573, 0.39885837]]] }],
  // A target of length 0: -log p(all blank) over the 3 frames that run; the 4th, padded, gets 0.
  ['ctc_loss', ctc([[1, 2]], [X], [0], [3]), {}, [[-0.75]], { output: [[[0.61738485, -0.023045054, -0.59433979], [0.22251451, -0.15112713, -0.071387395], [0.68325198, -0.38410822, -0.29914379], [0, 0, 0]]] }],
  // The blank is class 2; label 0 is an ordinary class.
  ['ctc_loss', ctc([[0, 1]], [X], [2], [4]), { mask_index: 2 }, [[2]], { output: [[[-0.084844157, 0.061453484, 0.023390651], [-0.48078692, 0.35132292, 0.12946415], [-0.00683237, -0.025941968, 0.03277427], [0.18759067, -0.2005856, 0.012994746]]] }],
  // A label past C has an all-zero one-hot row: log-prob 0 in every frame, and no gradient.
  ['ctc_loss', ctc([[1, 5]], [X.slice(0, 3)], [2], [3]), {}, [[1]], { output: [[[-0.19090198, -0.60155106, 0.79245305], [0.23739499, -0.29970735, 0.062312387], [-0.025711061, 0.014454154, 0.011256907]]] }],
  // A NaN logit past output_length still reaches the gradient: 0 times its NaN weights is NaN.
  ['ctc_loss', ctc([[1]], [[X[0], X[1], [0.5, NaN, 1]]], [1], [2]), {}, [[1]], { output: [[[NaN, NaN, NaN], [NaN, NaN, NaN], [NaN, NaN, NaN]]] }],
  // A -inf logit makes its frame's one-hot einsum NaN (-inf * 0): the loss is finite, the gradient NaN.
  ['ctc_loss', ctc([[1]], [[X[0], [1.5, -inf, -0.5]]], [1], [2]), {}, [[1]], { output: [[[NaN, NaN, NaN], [NaN, NaN, NaN]]] }],
  ['ctc_loss', ctc([[1, 2], [2, 2]], [X.slice(0, 3), X.slice(1)], [2, 1], [3, 2]), {}, [[0.5, -1]], { output: [[[-0.17744763, -0.21877891, 0.39622656], [0.19040616, -0.21130545, 0.020899316], [0.039629318, 0.25607216, -0.29570147]], [[0.15466279, -0.20150284, 0.046839993], [-0.063088678, -0.51214427, 0.57523298], [0, 0, 0]]] }],
];

// Impossible alignments: [1, 2, 1] in 2 frames, [2, 2] (a blank between) in 2. Their gradient is that of
// the cheapest LOG_EPSILON-penalised paths, in float32 as JAX computes it (see above): TF.js only.
const INFEASIBLE: Row[] = [
  ['ctc_loss', ctc([[1, 2, 1]], [X.slice(0, 3)], [3], [2]), {}, [[1.25]], { output: [[[-0.23250994, -0.079730347, 0.31224024], [0.43645337, -0.55583996, 0.11938664], [0, 0, 0]]] }],
  ['ctc_loss', ctc([[2, 2]], [X.slice(0, 2)], [2], [2]), {}, [[1]], { output: [[[0.0025943380, 0.030698687, -0.033293009], [-0.13729715, 0.20192493, -0.064627744]]] }],
];

describe('ctc_loss gradients', () => {
  describe('on the reference, against central differences of the float64 loss (check_grads)', () => {
    before(() => setBackend('reference'));
    DRAWS.forEach((draw, n) => {
      // Each gradient is a float64 posterior rounded to float32, then log_softmax's transpose over C classes.
      it(draw.title, () => checkGrads('ctc_loss', fixed(draw), { output: [logits(draw, 17 * n), draw.shape] }, f64(draw), 17 * n, draw.shape[2] + 2));
    });
  });

  describe("at the special points, on the reference: jax.vjp's values", () => {
    before(() => setBackend('reference'));
    for (const row of AT_SPECIAL_POINTS) it(rowTitle(row), () => expectRow(row));
  });

  describeOnTfjs(DRAWS.filter((d) => !d.impossible), drawGradient, [...AT_SPECIAL_POINTS, ...INFEASIBLE]);
});
