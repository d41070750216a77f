/**
 * What `npm run bench` times: representative ops at three sizes each (the medium one is judged against
 * Keras on JAX), on deterministic inputs. Each call is written once in Keras's terms and keras-parity
 * runs it in its idiomatic form, so both sides time the same call. An op is timed against the oldest
 * supported Keras that has it: the ops Keras 3.6 has keep the numbers they were judged by, the ops later
 * releases added need a Keras that has them.
 */
import { opsFor, tensor, type Tensor } from '../src/index.js';
import { KERAS_VERSIONS, type KerasVersion } from '../src/keras-versions.js';
import { camelCase } from '../src/ops/op.js';
import { opIn, type OpName } from '../src/ops/table.js';
import { filled, img, label4, rand, sizeOf as prod } from './data.js';
import type { KerasCall } from './keras-jax.js';

export interface Size {
  label: string;
  /** Elements of the largest input (bench.json's cases[].elements). */
  elements: number;
  /** Builds the inputs on the current backend and returns the call; `work` scales the cost estimate. */
  work: number;
  make: () => Made;
}
/** The call on the active backend, its inputs (to dispose) and the same call in Keras's terms. */
export interface Made {
  call: () => Tensor | Tensor[];
  inputs: Tensor[];
  keras: KerasCall;
}
export interface Case {
  op: OpName;
  /** The Keras the op is timed against, and whose ops (names, defaults, checks) make the call here. */
  keras: KerasVersion;
  sizes: Size[];
}

type Kwargs = Record<string, unknown>;

const kerasOf = (op: OpName): KerasVersion => KERAS_VERSIONS.find((v) => opIn(op, v))!;
const opCase = (op: OpName, sizes: Size[]): Case => ({ op, keras: kerasOf(op), sizes });
const size = (label: string, elements: number, make: () => Made, work = elements): Size => ({ label, elements, work, make });

/** `keras.ops.<op>(*args, **kwargs)`, and keras-parity's `ops.<op>(...args, kwargs)` of that Keras. */
function made(op: OpName, inputs: Tensor[], args: unknown[], kwargs: Kwargs = {}): Made {
  const fn = (opsFor(kerasOf(op)) as unknown as Record<string, (...a: unknown[]) => Tensor | Tensor[]>)[camelCase(op)];
  const all = Object.keys(kwargs).length ? [...args, kwargs] : args;
  return { call: () => fn(...all), inputs, keras: { op, args, kwargs } };
}

/** Channels-last images: pools, normalizations and moments take them at these sizes. */
const IMAGES = [img(1, 16, 16, 16), img(1, 64, 64, 64), img(1, 128, 128, 64)];

/** `arity` vectors of 1e3, 1e5 and 1e6 elements, then `rest` (a threshold's numbers). */
function elementwise(op: OpName, rest: unknown[] = [], arity = 1): Case {
  return opCase(
    op,
    [1e3, 1e5, 1e6].map((n) =>
      size(`${n.toExponential(0).replace('+', '')} elems`, n, () => {
        const xs = Array.from({ length: arity }, (_, i) => rand([n], i + 1));
        return made(op, xs, [...xs, ...rest]);
      }),
    ),
  );
}

/** Rows of 1000 along the last axis, where the op works. */
function rows(op: OpName): Case {
  return opCase(
    op,
    [1, 100, 1000].map((r) =>
      size(`${r}x1000`, r * 1000, () => {
        const x = rand([r, 1000], 1);
        return made(op, [x], [x]);
      }),
    ),
  );
}

function conv(op: 'conv' | 'depthwise_conv' | 'conv_transpose', shapes: Array<[number[], number[]]>, options: Kwargs): Case {
  return opCase(
    op,
    shapes.map(([xs, ks]) =>
      size(
        `${label4(xs)} k${label4(ks)}`,
        Math.max(prod(xs), prod(ks)),
        () => {
          const x = rand(xs, 1);
          const k = rand(ks, 2);
          // conv_transpose's strides is positional in Keras (no default); the others take options only.
          return made(op, [x, k], op === 'conv_transpose' ? [x, k, 2] : [x, k], options);
        },
        (prod(xs) * prod(ks)) / (op === 'conv_transpose' ? 1 : xs[3]) * (op === 'conv_transpose' ? 4 : 1),
      ),
    ),
  );
}

/** An op of one image and its arguments after it, at the IMAGES sizes (or `shapes`), labelled `<shape> <what>`. */
function image(op: OpName, what: string | ((xs: number[]) => string), rest: (xs: number[]) => unknown[], kwargs: Kwargs = {}, shapes = IMAGES): Case {
  return opCase(
    op,
    shapes.map((xs) =>
      size(`${label4(xs)} ${typeof what === 'string' ? what : what(xs)}`, prod(xs), () => {
        const x = rand(xs, 1);
        return made(op, [x], [x, ...rest(xs)], kwargs);
      }),
    ),
  );
}

/** Normalized over the channels, with one weight vector per name in `weights` (`scale`; `gamma`, `beta`). */
function normalization(op: OpName, weights: string[]): Case {
  return opCase(
    op,
    IMAGES.map((xs) =>
      size(`${label4(xs)} axis -1`, prod(xs), () => {
        const x = rand(xs, 1);
        const ws = weights.map((_, i) => rand([xs[3]], i + 2));
        return made(op, [x, ...ws], [x], Object.fromEntries(weights.map((w, i) => [w, ws[i]])));
      }),
    ),
  );
}

/** Normalized over the channels by given moments, with an offset and a scale (every input has a gradient). */
function batchNormalization(): Case {
  return opCase(
    'batch_normalization',
    IMAGES.map((xs) =>
      size(`${label4(xs)} axis -1`, prod(xs), () => {
        const x = rand(xs, 1);
        const [mean, offset, scale] = [2, 3, 4].map((seed) => rand([xs[3]], seed));
        // A variance in [0.5, 2.5): a negative one would make every output NaN.
        const variance = tensor(filled(xs[3], 5).map((v) => v + 1.5), [xs[3]]);
        return made('batch_normalization', [x, mean, variance, offset, scale], [x, mean, variance, -1], { offset, scale });
      }),
    ),
  );
}

/** Channels-first images, as unfold takes and fold gives them. */
const PLANES = [[1, 16, 16, 16], [1, 64, 64, 64], [1, 64, 128, 128]];
/** A 3x3 window with one cell of padding: im2col for a 'same' 3x3 convolution, and back. */
const WINDOW = { kernel: 3, padding: 1 };

function fold(): Case {
  const taps = WINDOW.kernel ** 2;
  return opCase(
    'fold',
    PLANES.map(([n, c, h, w]) => {
      const xs = [n, c * taps, h * w];
      return size(
        `${xs.join('x')} to ${h}x${w} k${WINDOW.kernel} p${WINDOW.padding}`,
        prod(xs),
        () => {
          const x = rand(xs, 1);
          return made('fold', [x], [x, [h, w], WINDOW.kernel], { padding: WINDOW.padding });
        },
      );
    }),
  );
}

export const CASES: Case[] = [
  elementwise('relu'),
  elementwise('gelu'),
  rows('softmax'),
  conv('conv', [
    [img(1, 16, 16, 16), [3, 3, 16, 16]],
    [img(1, 64, 64, 32), [3, 3, 32, 64]],
    [img(1, 128, 128, 64), [3, 3, 64, 64]],
  ], { padding: 'same' }),
  conv('depthwise_conv', [
    [img(1, 16, 16, 16), [3, 3, 16, 1]],
    [img(1, 64, 64, 64), [3, 3, 64, 1]],
    [img(1, 128, 128, 64), [3, 3, 64, 1]],
  ], { padding: 'same' }),
  conv('conv_transpose', [
    [img(1, 8, 8, 16), [3, 3, 16, 16]],
    [img(1, 32, 32, 32), [3, 3, 32, 32]],
    [img(1, 64, 64, 64), [3, 3, 64, 64]],
  ], { padding: 'same' }),
  image('max_pool', 'p2 s2', () => [2], { strides: 2 }),
  image('average_pool', 'p2 s2', () => [2], { strides: 2 }),
  opCase(
    'dot_product_attention',
    ([[1, 16, 2, 16], [1, 128, 4, 32], [2, 512, 8, 64]] as const).map(([b, t, n, h]) =>
      size(
        `B${b} T=S=${t} N${n} H${h}`,
        b * t * n * h,
        () => {
          const [q, k, v] = [1, 2, 3].map((seed) => rand([b, t, n, h], seed));
          return made('dot_product_attention', [q, k, v], [q, k, v]);
        },
        b * n * t * t * h,
      ),
    ),
  ),
  opCase(
    'ctc_loss',
    ([[2, 20, 10, 5], [8, 100, 30, 20], [16, 200, 60, 50]] as const).map(([b, t, c, l]) =>
      size(
        `B${b} T${t} C${c} L${l}`,
        b * t * c,
        () => {
          const target = new Int32Array(b * l);
          for (let i = 0; i < target.length; i++) target[i] = 1 + ((i * 7 + 3) % (c - 1));
          const tg = tensor(target, [b, l]);
          const out = rand([b, t, c], 1);
          const tl = tensor(new Int32Array(b).fill(l), [b]);
          const ol = tensor(new Int32Array(b).fill(t), [b]);
          return made('ctc_loss', [tg, out, tl, ol], [tg, out, tl, ol]);
        },
        b * t * (2 * l + 1 + c),
      ),
    ),
  ),
  image('moments', 'axes 0,1,2', () => [[0, 1, 2]]),
  batchNormalization(),
  // Added by Keras 3.7 to 3.14: timed against the first supported Keras that has them.
  ...(['celu', 'hard_shrink', 'hard_tanh', 'soft_shrink', 'squareplus', 'tanh_shrink', 'sparse_plus', 'sparse_sigmoid'] as const).map((op) => elementwise(op)),
  elementwise('threshold', [0.5, 0]),
  rows('glu'),
  rows('sparsemax'),
  elementwise('polar', [], 2),
  normalization('rms_normalization', ['scale']),
  normalization('layer_normalization', ['gamma', 'beta']),
  // A quarter of each side: windows of 4 cells that neither overlap nor differ in size.
  ...(['adaptive_average_pool', 'adaptive_max_pool'] as const).map((op) =>
    image(op, (xs) => `to ${xs[1] / 4}x${xs[2] / 4}`, (xs) => [[xs[1] / 4, xs[2] / 4]]),
  ),
  opCase(
    'unfold',
    PLANES.map((xs) =>
      size(
        `${label4(xs)} k${WINDOW.kernel} p${WINDOW.padding}`,
        prod(xs),
        () => {
          const x = rand(xs, 1);
          return made('unfold', [x], [x, WINDOW.kernel], { padding: WINDOW.padding });
        },
        prod(xs) * WINDOW.kernel ** 2,
      ),
    ),
  ),
  fold(),
  image('depth_to_space', 'b2', () => [2], {}, [img(1, 8, 8, 64), img(1, 32, 32, 256), img(1, 64, 64, 256)]),
  image('space_to_depth', 'b2', () => [2]),
];
