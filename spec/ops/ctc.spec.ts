import { expect } from 'chai';
import { KerasIndexError, KerasTypeError, KerasValueError, ops, tensor, type Tensor } from '../../src/index.js';
import { expectClose, expectKerasError } from '../helpers.js';

// Keras's nn_test.py fixtures (test_ctc_loss, test_ctc_decode).
const LOSS_LABELS = [[1, 2, 1], [1, 2, 2]];
const LOSS_OUTPUTS = [
  [[0.4, 0.8, 0.4], [0.2, 0.8, 0.3], [0.9, 0.4, 0.5]],
  [[0.4, 0.8, 0.4], [0.2, 0.3, 0.3], [0.4, 0.3, 0.2]],
];
const DECODE_INPUTS = [
  [[0.1, 0.4, 0.2, 0.4], [0.3, -0.3, 0.4, 0.2], [0.3, 0.2, 0.4, 0.3]],
  [[0.7, 0.4, 0.3, 0.2], [0.3, 0.3, 0.4, 0.1], [0.6, -0.1, 0.1, 0.5]],
  [[0.1, 0.4, 0.2, 0.7], [0.3, 0.3, -0.2, 0.7], [0.3, 0.2, 0.4, 0.1]],
];

const loss = (...args: unknown[]) => (ops.ctcLoss as (...a: unknown[]) => Tensor)(...args);
const decode = (...args: unknown[]) => (ops.ctcDecode as (...a: unknown[]) => Tensor[])(...args);

function expectDecoded(result: Tensor[], paths: number[][][], scores: number[][]) {
  expect(result).to.have.length(2);
  expectClose(result[0], paths, { dtype: 'int32' });
  expectClose(result[1], scores, { dtype: 'float32' });
}

describe('ctc_loss', () => {
  it("matches Keras's test_ctc_loss", () => {
    expectClose(loss(LOSS_LABELS, LOSS_OUTPUTS, [3, 2], [3, 2]), [3.4411672, 1.91680186], { dtype: 'float32' });
  });

  it('is -log p of the only alignment of one label in one frame', () => {
    // softmax([0, 0]) = [1/2, 1/2]; the path "1" is the only alignment: -log(1/2) = ln 2.
    expectClose(loss([[1]], [[[0.0, 0.0]]], [1], [1]), [Math.LN2]);
  });

  it('costs the blank at every frame for an empty target', () => {
    // target_length 0: the only alignment is blank, blank: -2 log(1/2) = 2 ln 2.
    expectClose(loss([[1]], [[[0.0, 0.0], [0.0, 0.0]]], [0], [2]), [2 * Math.LN2]);
  });

  it('gives the large finite value of Keras-JAX for an impossible alignment', () => {
    // [1, 1] needs "1 blank 1", three frames; there are two. log_epsilon = -1e5 stands in for -inf.
    // Keras 3.6.0 JAX: ops.ctc_loss(np.array([[1, 1]]), np.array([[[0., 0.], [0., 0.]]]), np.array([2]), np.array([2]))
    expectClose(loss([[1, 1]], [[[0.0, 0.0], [0.0, 0.0]]], [2], [2]), [99999.1953125]);
    // Keras 3.6.0 JAX: ops.ctc_loss(np.array([[1, 2, 1]]), outputs[:1], np.array([3]), np.array([2])) (test fixture)
    expectClose(loss([[1, 2, 1]], [LOSS_OUTPUTS[0]], [3], [2]), [99999.4453125]);
  });

  it('separates repeated labels with a blank', () => {
    // Keras 3.6.0 JAX: ops.ctc_loss(np.array([[1, 1, 2]]), np.array([[[0.1, 0.5, 0.2], [0.3, 0.2, 0.1],
    //   [0.6, 0.4, 0.1], [0.2, 0.1, 0.9]]]), np.array([3]), np.array([4]))
    const out = [[[0.1, 0.5, 0.2], [0.3, 0.2, 0.1], [0.6, 0.4, 0.1], [0.2, 0.1, 0.9]]];
    expectClose(loss([[1, 1, 2]], out, [3], [4]), [3.6337132453918457]);
  });

  it('takes the blank from mask_index', () => {
    // Keras 3.6.0 JAX: ops.ctc_loss(np.array([[1, 0, 1], [0, 0, 1]]), outputs, np.array([3, 2]), np.array([3, 3]), mask_index=2)
    expectClose(loss([[1, 0, 1], [0, 0, 1]], LOSS_OUTPUTS, [3, 2], [3, 3], { maskIndex: 2 }), [3.5411672592163086, 3.318744659423828]);
  });

  it('takes mask_index in the Keras-literal form too', () => {
    // Keras 3.6.0 JAX: ops.ctc_loss(np.array([[2, 2], [0, 2]]), outputs, np.array([2, 2]), np.array([3, 3]), mask_index=1)
    const got = ops.call('ctc_loss', [[[2, 2], [0, 2]], LOSS_OUTPUTS, [2, 2], [3, 3]], { mask_index: 1 }) as Tensor;
    expectClose(got, [3.2411670684814453, 1.8398056030273438]);
    const positional = ops.call('ctc_loss', [[[2, 2], [0, 2]], LOSS_OUTPUTS, [2, 2], [3, 3], 1]) as Tensor;
    expectClose(positional, [3.2411670684814453, 1.8398056030273438]);
  });

  it('clamps lengths: longer than the tensor, zero, negative', () => {
    // Keras 3.6.0 JAX: ops.ctc_loss(np.array([[1, 2, 1], [2, 1, 2], [1, 1, 1]]), np.concatenate([outputs, outputs[:1]]),
    //   np.array([5, 0, -1]), np.array([2, 3, 0]))
    // Row 0: 3 labels in 2 frames (impossible); row 1: empty target; row 2: no frames, no labels: -0.
    const got = loss([[1, 2, 1], [2, 1, 2], [1, 1, 1]], [...LOSS_OUTPUTS, LOSS_OUTPUTS[0]], [5, 0, -1], [2, 3, 0]);
    expectClose(got, [99999.4453125, 3.4187448024749756, -0.0]);
  });

  it('promotes int32 logits to float32 and reads bool labels as 0/1', () => {
    // Keras 3.6.0 JAX: ops.ctc_loss(np.array([[1, 2]]), np.array([[[1, 2, 3], [0, 1, 0], [2, 2, 1]]], dtype="int32"),
    //   np.array([2]), np.array([3]))
    expectClose(loss([[1, 2]], [[[1, 2, 3], [0, 1, 0], [2, 2, 1]]], [2], [3]), [2.6884703636169434], { dtype: 'float32' });
    // Keras 3.6.0 JAX: ops.ctc_loss(np.array([[True, False]]), outputs[:1], np.array([1]), np.array([3]))
    expectClose(loss([[true, false]], [LOSS_OUTPUTS[0]], [1], [3]), [1.201240062713623]);
  });

  it('returns an empty loss for an empty batch', () => {
    // Keras 3.6.0 JAX returns [] float32 for zeros((0, 3)) labels and zeros((0, 3, 3)) logits.
    const got = loss(tensor([], [0, 3], 'int32'), tensor([], [0, 3, 3], 'float32'), tensor([], [0], 'int32'), tensor([], [0], 'int32'));
    expect(got.shape).to.deep.equal([0]);
    expect(got.dtype).to.equal('float32');
  });

  describe('validation', () => {
    it('checks ranks', () => {
      expectKerasError(() => loss([1, 2], LOSS_OUTPUTS, [3, 2], [3, 2]), KerasValueError,
        'Argument `target` must have rank 2. Received: target.shape=(2,)');
      expectKerasError(() => loss(LOSS_LABELS, [[0.1, 0.2]], [3, 2], [3, 2]), KerasValueError,
        'Argument `output` must have rank 3. Received: output.shape=(1, 2)');
      expectKerasError(() => loss(LOSS_LABELS, LOSS_OUTPUTS, 3, [3, 2]), KerasValueError,
        'Argument `target_length` must have rank 1. Received: target_length.shape=()');
      expectKerasError(() => loss(LOSS_LABELS, LOSS_OUTPUTS, [3, 2], [[3, 2]]), KerasValueError,
        'Argument `output_length` must have rank 1. Received: output_length.shape=(1, 2)');
    });

    it("checks first dimensions with Keras's message", () => {
      expectKerasError(() => loss(LOSS_LABELS, [LOSS_OUTPUTS[0]], [3, 2], [3]), KerasValueError,
        'Arguments `target` and `output` must have the same first dimension. Received shapes: `(2, 3)` and `(1, 3, 3)`.');
      expectKerasError(() => loss(LOSS_LABELS, LOSS_OUTPUTS, [3], [3, 2]), KerasValueError,
        'Arguments `target_length` and `target` must have the same first dimension. Received shapes: `(1,)` and `(2, 3)`.');
      expectKerasError(() => loss(LOSS_LABELS, LOSS_OUTPUTS, [3, 2], [3, 2, 1]), KerasValueError,
        'Arguments `output_length` and `output` must have the same first dimension. Received shapes: `(3,)` and `(2, 3, 3)`.');
    });

    it('asks for integer labels and lengths', () => {
      expectKerasError(() => loss([[1.5, 2, 1], [1, 2, 2]], LOSS_OUTPUTS, [3, 2], [3, 2]), KerasTypeError,
        'Argument `target` must have dtype int32 or bool. Received: target.dtype=float32');
      expectKerasError(() => loss(LOSS_LABELS, LOSS_OUTPUTS, [3, 2.5], [3, 2]), KerasTypeError,
        'Argument `target_length` must have dtype int32 or bool. Received: target_length.dtype=float32');
      expectKerasError(() => loss(LOSS_LABELS, LOSS_OUTPUTS, [3, 2], [0.5, 2]), KerasTypeError,
        'Argument `output_length` must have dtype int32 or bool. Received: output_length.dtype=float32');
    });

    it('checks mask_index against the class axis', () => {
      expectKerasError(() => loss(LOSS_LABELS, LOSS_OUTPUTS, [3, 2], [3, 2], { maskIndex: 3 }), KerasValueError,
        'Argument `mask_index` must be in [0, 3), the range of the class axis. Received: mask_index=3');
      expectKerasError(() => ops.call('ctc_loss', [LOSS_LABELS, LOSS_OUTPUTS, [3, 2], [3, 2]], { mask_index: -1 }), KerasValueError,
        'Argument `mask_index` must be in [0, 3), the range of the class axis. Received: mask_index=-1');
      expectKerasError(() => loss(LOSS_LABELS, LOSS_OUTPUTS, [3, 2], [3, 2], { maskIndex: null }), KerasTypeError,
        'Argument `mask_index` must be an integer. Received: mask_index=None');
      expectKerasError(() => loss(LOSS_LABELS, LOSS_OUTPUTS, [3, 2], [3, 2], { maskIndex: 0.5 }), KerasTypeError,
        'Argument `mask_index` must be an integer. Received: mask_index=0.5');
    });

    it('needs at least one frame', () => {
      // JAX fails with an IndexError in its scan for T = 0.
      expectKerasError(() => loss(LOSS_LABELS, tensor([], [2, 0, 3], 'float32'), [3, 2], [0, 0]), KerasIndexError,
        'index is out of bounds for axis 0 with size 0 (argument `output` has no time step: output.shape=(2, 0, 3))');
    });
  });

  describe('outputSpec', () => {
    const int = (shape: (number | null)[]) => ({ shape, dtype: 'int32' });
    it('gives (batch,) float32, with null dims', () => {
      const spec = ops.outputSpec('ctc_loss', [int([null, 3]), { shape: [null, 5, 4], dtype: 'float32' }, int([null]), int([null])]);
      expect(spec).to.deep.equal({ shape: [null], dtype: 'float32' });
      const fromInt = ops.outputSpec('ctc_loss', [int([2, null]), int([2, null, null]), int([2]), int([2])]);
      expect(fromInt).to.deep.equal({ shape: [2], dtype: 'float32' });
    });

    it('compares first dims as Keras does: None differs from 2', () => {
      // Keras 3.6.0 JAX: ops.ctc_loss(KerasTensor((None, 3), "int32"), KerasTensor((2, 5, 4)), ...) raises.
      expectKerasError(
        () => ops.outputSpec('ctc_loss', [int([null, 3]), { shape: [2, 5, 4], dtype: 'float32' }, int([2]), int([2])]),
        KerasValueError,
        'Arguments `target` and `output` must have the same first dimension. Received shapes: `(None, 3)` and `(2, 5, 4)`.',
      );
    });
  });
});

describe('ctc_decode', () => {
  const lengths = [3, 3, 1];

  describe('greedy', () => {
    it("matches Keras's test_ctc_decode (merge_repeated True and False)", () => {
      expectDecoded(decode(DECODE_INPUTS, lengths, { strategy: 'greedy', maskIndex: 0 }),
        [[[1, 2, -1], [2, -1, -1], [3, -1, -1]]], [[-1.2], [-1.7], [-0.7]]);
      expectDecoded(decode(DECODE_INPUTS, lengths, { mergeRepeated: false }),
        [[[1, 2, 2], [2, -1, -1], [3, -1, -1]]], [[-1.2], [-1.7], [-0.7]]);
    });

    it('breaks argmax ties to the lowest class and blanks frames past the length', () => {
      // Frame 0: 0.3 = 0.3, argmax 0 (blank); frame 1: 0.5 = 0.5, argmax 1. Score -(0.3 + 0.5).
      expectDecoded(decode([[[0.3, 0.3, 0.1], [0.1, 0.5, 0.5]]], [2]), [[[1, -1]]], [[-0.8]]);
      // Length 1: frame 1 is blank and scores 0.
      expectDecoded(decode([[[0.3, 0.3, 0.1], [0.1, 0.5, 0.5]]], [1]), [[[-1, -1]]], [[-0.3]]);
    });

    it('merges repeats on the raw argmax sequence, so "a blank a" stays "a a"', () => {
      // argmax 1, 0, 1, 1 -> 1, (blank), 1, (repeat) -> [1, 1]; score -(0.9 + 0.8 + 0.7 + 0.7).
      // Keras 3.6.0 JAX gives the same: [[[1, 1, -1, -1]]], [[-3.1]].
      const x = [[[0.1, 0.9, 0.0], [0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.2, 0.7, 0.1]]];
      expectDecoded(decode(x, [4]), [[[1, 1, -1, -1]]], [[-3.1]]);
    });

    it('takes mask_index=None as the last class, and any other mask_index', () => {
      // Keras 3.6.0 JAX: ops.ctc_decode(inputs, [3, 3, 1], mask_index=None)
      expectDecoded(decode(DECODE_INPUTS, lengths, { maskIndex: null }),
        [[[1, 2, -1], [0, 2, 0], [-1, -1, -1]]], [[-1.2], [-1.7], [-0.7]]);
      // Keras 3.6.0 JAX: ops.ctc_decode(inputs, [3, 3, 3], mask_index=2, merge_repeated=False)
      const got = ops.call('ctc_decode', [DECODE_INPUTS, [3, 3, 3]], { mask_index: 2, merge_repeated: false }) as Tensor[];
      expectDecoded(got, [[[1, -1, -1], [0, 0, -1], [3, 3, -1]]], [[-1.2], [-1.7], [-1.8]]);
    });

    it('promotes int32 inputs; all-equal rows decode to blanks', () => {
      // Keras 3.6.0 JAX: ops.ctc_decode(np.array([[[1, 2, 2], [0, 3, 1]]], dtype="int32"), [2])
      expectDecoded(decode([[[1, 2, 2], [0, 3, 1]]], [2]), [[[1, -1]]], [[-5]]);
      // Keras 3.6.0 JAX: ops.ctc_decode(np.zeros((1, 3, 3)), [3]): argmax 0 = blank everywhere.
      expectDecoded(decode([[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]], [3]), [[[-1, -1, -1]]], [[-0.0]]);
    });

    it('ignores beam_width and top_paths, as Keras does', () => {
      const got = decode(DECODE_INPUTS, lengths, { beamWidth: 0, topPaths: 5 });
      expectDecoded(got, [[[1, 2, -1], [2, -1, -1], [3, -1, -1]]], [[-1.2], [-1.7], [-0.7]]);
    });

    it('decodes zero frames to an empty path', () => {
      // Keras 3.6.0 JAX: greedy on shape (3, 0, 4) gives decoded (1, 3, 0) and scores [[-0.], [-0.], [-0.]].
      const [paths, scores] = decode(tensor([], [3, 0, 4], 'float32'), lengths);
      expect(paths.shape).to.deep.equal([1, 3, 0]);
      expectClose(scores, [[-0.0], [-0.0], [-0.0]]);
    });
  });

  describe('beam_search', () => {
    it("matches Keras's test_ctc_decode (beam_width 4, top_paths 2)", () => {
      const got = decode(DECODE_INPUTS, lengths, { strategy: 'beam_search', beamWidth: 4, topPaths: 2, maskIndex: 0 });
      expectDecoded(got,
        [[[1, 2, -1], [2, -1, -1], [3, -1, -1]], [[2, -1, -1], [3, -1, -1], [1, -1, -1]]],
        [[-2.426537, -2.435596], [-2.127681, -2.182338], [-1.063386, -1.363386]]);
    });

    it('ranks the classes of a single frame by log-softmax', () => {
      // T = 1: the beam is the top classes of frame 0; the blank (class 0) is the empty path.
      // log_softmax([0, 1, 2]) = [0, 1, 2] - log(1 + e + e^2) = [-2.40760596, -1.40760596, -0.40760596].
      const got = decode([[[0.0, 1.0, 2.0]]], [1], { strategy: 'beam_search', beamWidth: 3, topPaths: 3 });
      expectDecoded(got, [[[2]], [[1]], [[-1]]], [[-0.40760596, -1.40760596, -2.40760596]]);
    });

    it('ignores merge_repeated', () => {
      // Keras 3.6.0 JAX: the same output as with merge_repeated=True.
      const got = ops.call('ctc_decode', [DECODE_INPUTS, lengths], {
        strategy: 'beam_search', beam_width: 4, top_paths: 2, merge_repeated: false,
      }) as Tensor[];
      expectDecoded(got,
        [[[1, 2, -1], [2, -1, -1], [3, -1, -1]], [[2, -1, -1], [3, -1, -1], [1, -1, -1]]],
        [[-2.426537036895752, -2.435595750808716], [-2.127680778503418, -2.182337760925293], [-1.0633859634399414, -1.3633859157562256]]);
    });

    it('takes mask_index=None as the last class, and any other mask_index', () => {
      // Keras 3.6.0 JAX: ops.ctc_decode(inputs, [3, 3, 1], strategy="beam_search", beam_width=4, top_paths=2, mask_index=None)
      expectDecoded(decode(DECODE_INPUTS, lengths, { strategy: 'beam_search', beamWidth: 4, topPaths: 2, maskIndex: null }),
        [[[2, -1, -1], [0, -1, -1], [-1, -1, -1]], [[1, 2, -1], [0, 2, -1], [1, -1, -1]]],
        [[-2.3239877223968506, -2.4150094985961914], [-2.23756742477417, -2.428189277648926], [-1.0633859634399414, -1.3633859157562256]]);
      // Keras 3.6.0 JAX: ops.ctc_decode(inputs, [3, 3, 3], strategy="beam_search", beam_width=3, top_paths=3, mask_index=2)
      expectDecoded(decode(DECODE_INPUTS, [3, 3, 3], { strategy: 'beam_search', beamWidth: 3, topPaths: 3, maskIndex: 2 }),
        [[[3, -1, -1], [0, -1, -1], [3, -1, -1]], [[1, 0, -1], [0, 3, -1], [1, 3, -1]], [[1, -1, -1], [0, 1, -1], [1, -1, -1]]],
        [[-2.383321762084961, -2.4907538890838623, -2.756094455718994],
          [-2.3627548217773438, -2.652003288269043, -2.6640143394470215],
          [-2.1523420810699463, -2.536341667175293, -2.651867628097534]]);
    });

    it('stops at the sequence length, but always reads frame 0', () => {
      // Keras 3.6.0 JAX: ops.ctc_decode(inputs, [2, 0, 5], strategy="beam_search", beam_width=3, top_paths=2)
      // Row 1 (length 0) still starts its beam from frame 0; row 2 (length 5 > T) reads all 3 frames.
      expectDecoded(decode(DECODE_INPUTS, [2, 0, 5], { strategy: 'beam_search', beamWidth: 3, topPaths: 2 }),
        [[[3, -1, -1], [-1, -1, -1], [3, -1, -1]], [[2, -1, -1], [1, -1, -1], [1, 3, -1]]],
        [[-1.894666075706482, -1.9946662187576294], [-1.1044846773147583, -1.4044846296310425], [-2.504605770111084, -2.6461732387542725]]);
    });

    it('returns at most 2 * beam_width paths, padded with -inf rows', () => {
      // Keras 3.6.0 JAX: ops.ctc_decode(inputs[:1], [3], strategy="beam_search", beam_width=1, top_paths=3)
      // gives shape (2, 1, 3): the argsort over 2 * beam_width rows is sliced [-top_paths:].
      const got = decode([DECODE_INPUTS[0]], [3], { strategy: 'beam_search', beamWidth: 1, topPaths: 3 });
      expectDecoded(got, [[[1, -1, -1]], [[-1, -1, -1]]], [[-3.2122642993927, -Infinity]]);
    });

    it('promotes int32 inputs', () => {
      // Keras 3.6.0 JAX: ops.ctc_decode(np.array([[[1, 2, 2], [0, 3, 1]]], dtype="int32"), [2], strategy="beam_search",
      //   beam_width=3, top_paths=2)
      expectDecoded(decode([[[1, 2, 2], [0, 3, 1]]], [2], { strategy: 'beam_search', beamWidth: 3, topPaths: 2 }),
        [[[1, -1]], [[2, 1]]], [[-0.6828286647796631, -1.0318408012390137]]);
    });

    it('breaks exact ties as Keras does on equal logits', () => {
      // Keras 3.6.0 JAX: ops.ctc_decode(np.zeros((1, 3, 3)), [3], strategy="beam_search", beam_width=3, top_paths=2)
      const zeros = [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]];
      expectDecoded(decode(zeros, [3], { strategy: 'beam_search', beamWidth: 3, topPaths: 2 }),
        [[[1, 2, -1]], [[1, -1, -1]]], [[-1.686398983001709, -1.686398983001709]]);
    });

    it('runs the default beam_width of 100', () => {
      // Keras 3.6.0 JAX: ops.ctc_decode(x, [6, 4], strategy="beam_search", top_paths=3) with x below
      // (np.round(np.random.default_rng(3).normal(size=(2, 6, 5)), 2)).
      const x = [
        [[2.04, -2.56, 0.42, -0.57, -0.45], [-0.22, -2.02, -0.23, -0.87, 3.32], [0.23, -0.35, -0.28, -0.67, -1.06],
          [-0.39, 0.48, -0.24, 0.96, -0.2], [0.02, 1.55, 0.55, -0.51, -0.18], [0.54, 1.94, -0.27, -0.24, 1.0]],
        [[-0.89, -0.29, 0.88, 0.58, 0.09], [0.67, -2.83, 1.02, -0.96, -1.67], [0.28, 0.7, -0.44, -1.08, 0.03],
          [-0.05, 1.41, 0.75, 0.19, 1.11], [-0.21, -0.93, 0.58, 0.58, -0.21], [-0.78, 0.23, -2.49, 0.69, 0.49]],
      ];
      expectDecoded(decode(x, [6, 4], { strategy: 'beam_search', topPaths: 3 }),
        [[[4, 3, 1, -1, -1, -1], [2, 1, -1, -1, -1, -1]], [[4, 1, -1, -1, -1, -1], [2, 4, -1, -1, -1, -1]],
          [[4, 2, 1, -1, -1, -1], [3, 2, 1, -1, -1, -1]]],
        [[-2.3473610877990723, -2.759424924850464, -2.869746446609497], [-2.2617363929748535, -2.8574609756469727, -3.0323781967163086]]);
    });
  });

  it('decodes an empty batch to empty outputs', () => {
    // Keras-JAX fails in a gather for batch 0; we return the empty results (docs/deviations.md).
    for (const strategy of ['greedy', 'beam_search']) {
      const [paths, scores] = decode(tensor([], [0, 3, 4], 'float32'), tensor([], [0], 'int32'), { strategy });
      expect(paths.shape).to.deep.equal([1, 0, 3]);
      expect(scores.shape).to.deep.equal([0, 1]);
    }
  });

  describe('validation', () => {
    it("rejects an unknown strategy with Keras's message", () => {
      expectKerasError(() => decode(DECODE_INPUTS, lengths, { strategy: 'GREEDY' }), KerasValueError,
        "Invalid strategy GREEDY. Supported values are 'greedy' and 'beam_search'.");
      expectKerasError(() => ops.call('ctc_decode', [DECODE_INPUTS, lengths], { strategy: null }), KerasValueError,
        "Invalid strategy None. Supported values are 'greedy' and 'beam_search'.");
    });

    it('checks beam_width and top_paths for beam search', () => {
      const beam = (opts: object) => () => decode(DECODE_INPUTS, lengths, { strategy: 'beam_search', ...opts });
      expectKerasError(beam({ beamWidth: 0 }), KerasValueError, 'Argument `beam_width` must be >= 1. Received: beam_width=0');
      expectKerasError(beam({ beamWidth: 2.5 }), KerasTypeError, 'Argument `beam_width` must be an integer. Received: beam_width=2.5');
      expectKerasError(beam({ topPaths: 0 }), KerasValueError, 'Argument `top_paths` must be >= 1. Received: top_paths=0');
      expectKerasError(beam({ topPaths: '2' }), KerasTypeError, 'Argument `top_paths` must be an integer. Received: top_paths=2');
    });

    it('checks merge_repeated for greedy decoding', () => {
      expectKerasError(() => decode(DECODE_INPUTS, lengths, { mergeRepeated: 1 }), KerasTypeError,
        'Argument `merge_repeated` must be a boolean. Received: merge_repeated=1');
    });

    it('checks mask_index against the class axis', () => {
      for (const strategy of ['greedy', 'beam_search']) {
        expectKerasError(() => decode(DECODE_INPUTS, lengths, { strategy, maskIndex: 4 }), KerasValueError,
          'Argument `mask_index` must be in [0, 4), the range of the class axis. Received: mask_index=4');
        expectKerasError(() => decode(DECODE_INPUTS, lengths, { strategy, maskIndex: -1 }), KerasValueError,
          'Argument `mask_index` must be in [0, 4), the range of the class axis. Received: mask_index=-1');
      }
      expectKerasError(() => decode(DECODE_INPUTS, lengths, { maskIndex: 'blank' }), KerasTypeError,
        'Argument `mask_index` must be an integer or None. Received: mask_index=blank');
    });

    it('checks ranks, dtypes and the batch', () => {
      expectKerasError(() => decode(DECODE_INPUTS[0], lengths), KerasValueError,
        'Argument `inputs` must have rank 3. Received: inputs.shape=(3, 4)');
      expectKerasError(() => decode(DECODE_INPUTS, [lengths]), KerasValueError,
        'Argument `sequence_lengths` must have rank 1. Received: sequence_lengths.shape=(1, 3)');
      expectKerasError(() => decode(DECODE_INPUTS, [3, 2.5, 1]), KerasTypeError,
        'Argument `sequence_lengths` must have dtype int32 or bool. Received: sequence_lengths.dtype=float32');
      expectKerasError(() => decode(DECODE_INPUTS, [3, 3]), KerasValueError,
        'Arguments `sequence_lengths` and `inputs` must have the same first dimension. Received shapes: `(2,)` and `(3, 3, 4)`.');
    });

    it('needs at least one frame for beam search', () => {
      expectKerasError(() => decode(tensor([], [3, 0, 4], 'float32'), lengths, { strategy: 'beam_search' }), KerasIndexError,
        'index is out of bounds for axis 1 with size 0 (argument `inputs` has no time step: inputs.shape=(3, 0, 4))');
    });
  });

  describe('outputSpec', () => {
    const inputs = (shape: (number | null)[], dtype = 'float32') => ({ shape, dtype });
    const lens = (n: number | null) => ({ shape: [n], dtype: 'int32' });

    it('gives (1, batch, T) int32 and (batch, 1) float32 for greedy, with null dims', () => {
      expect(ops.outputSpec('ctc_decode', [inputs([null, null, 4]), lens(null)])).to.deep.equal([
        { shape: [1, null, null], dtype: 'int32' },
        { shape: [null, 1], dtype: 'float32' },
      ]);
      expect(ops.outputSpec('ctc_decode', [inputs([2, 5, 4], 'int32'), lens(2)])).to.deep.equal([
        { shape: [1, 2, 5], dtype: 'int32' },
        { shape: [2, 1], dtype: 'float32' },
      ]);
    });

    it('keeps top_paths as given for beam search, as Keras\'s symbolic call does', () => {
      // Keras 3.6.0: CTCDecode(strategy="beam_search", beam_width=1, top_paths=5) on KerasTensor((2, 5, 4)) gives (5, 2, 5), (2, 5).
      expect(ops.outputSpec('ctc_decode', [inputs([2, 5, 4]), lens(2)], { strategy: 'beam_search', beam_width: 1, top_paths: 5 })).to.deep.equal([
        { shape: [5, 2, 5], dtype: 'int32' },
        { shape: [2, 5], dtype: 'float32' },
      ]);
      expect(ops.outputSpec('ctc_decode', [inputs([null, null, 4]), lens(null)], { strategy: 'beam_search', top_paths: 3 })).to.deep.equal([
        { shape: [3, null, null], dtype: 'int32' },
        { shape: [null, 3], dtype: 'float32' },
      ]);
    });

    it('raises for an unknown strategy (Keras\'s symbolic call does not)', () => {
      expectKerasError(() => ops.outputSpec('ctc_decode', [inputs([2, 5, 4]), lens(2)], { strategy: 'foo' }), KerasValueError,
        "Invalid strategy foo. Supported values are 'greedy' and 'beam_search'.");
    });
  });
});

describe('ctc: several faults in one call raise the one Keras reports first', () => {
  const filled = (shape: number[], dtype: 'float32' | 'int32') => tensor(new Array(shape.reduce((a, b) => a * b, 1)).fill(1), shape, dtype);
  // The expected texts are Keras 3.6.0's (JAX backend), as it printed them.
  const STRATEGY = "Invalid strategy invalid. Supported values are 'greedy' and 'beam_search'.";

  it('ctc_decode checks the strategy before the lengths and the inputs', () => {
    expectKerasError(() => ops.call('ctc_decode', [filled([2, 3, 4], 'float32'), filled([3], 'int32')], { strategy: 'invalid' }), KerasValueError, STRATEGY);
    expectKerasError(() => ops.call('ctc_decode', [filled([2, 3], 'float32'), filled([2], 'int32')], { strategy: 'invalid' }), KerasValueError, STRATEGY);
  });

  it('beam search meets no time steps before beam_width 0 (Keras: IndexError from JAX)', () => {
    const call = () => ops.call('ctc_decode', [filled([2, 0, 4], 'float32'), filled([2], 'int32')], { strategy: 'beam_search', beam_width: 0 });
    expectKerasError(call, KerasIndexError, /^index is out of bounds for axis 1 with size 0/);
  });

  it('ctc_loss reads mask_index before no time steps (Keras: TypeError from Python)', () => {
    const args = [filled([2, 2], 'int32'), filled([2, 0, 3], 'float32'), filled([2], 'int32'), filled([2], 'int32')];
    expectKerasError(() => ops.call('ctc_loss', args, { mask_index: null }), KerasTypeError, /mask_index=None/);
  });
});
