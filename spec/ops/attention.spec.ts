/**
 * dot_product_attention. Expected values come from Keras 3.6.0 on JAX 0.4.34 (CPU), which takes the
 * jax.nn.dot_product_attention path, or are derived by hand beside the case.
 */
import { expect } from 'chai';
// Keras 3.6.0's rules; spec/keras-versions-changes.spec.ts shows what later releases changed.
import { KerasTypeError, KerasValueError, ops, tensor, type NestedArray, type Tensor } from '../../src/keras-3.6.js';
import { expectClose, expectKerasError } from '../helpers.js';

const f32 = (values: number[], shape: number[]): Tensor => tensor(values, shape, 'float32');
const bool = (values: boolean[], shape: number[]): Tensor => tensor(values, shape, 'bool');
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Python: np.sin(np.arange(n) * a + c).astype('float32').reshape(shape). */
const sines = (shape: number[], a: number, c: number) => Array.from({ length: size(shape) }, (_, i) => Math.fround(Math.sin(i * a + c)));
const wave = (shape: number[], a: number, c: number): Tensor => f32(sines(shape, a, c), shape);
// The inputs of the live cases: A = wave(.., 0.37, 0), Bk = wave(.., 0.53, 1), C = wave(.., 0.71, 2),
// D = wave(.., 0.29, 3) * 2, M = wave(.., 0.9, 0.5) > 0.
const A = (s: number[]) => wave(s, 0.37, 0);
const Bk = (s: number[]) => wave(s, 0.53, 1);
const C = (s: number[]) => wave(s, 0.71, 2);
const D = (s: number[]) => f32(sines(s, 0.29, 3).map((x) => x * 2), s);
const M = (s: number[]) => bool(sines(s, 0.9, 0.5).map((x) => x > 0), s);
const arange = (shape: number[]) => f32(Array.from({ length: size(shape) }, (_, i) => i), shape);

function nest(flat: (number | boolean)[], shape: number[]): NestedArray {
  if (shape.length === 0) return flat[0];
  const step = size(shape.slice(1));
  return Array.from({ length: shape[0] }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), shape.slice(1)));
}

const attention = (q: unknown, k: unknown, v: unknown, kwargs: Record<string, unknown> = {}) =>
  ops.call('dot_product_attention', [q, k, v], kwargs) as Tensor;

describe('dot_product_attention', () => {
  describe("Keras's nn_test correctness cases", () => {
    // query = key = value = np.arange(192.).reshape(2, 3, 4, 8); bias = np.arange(72.).reshape(2, 4, 3, 3);
    // mask = np.tile(np.tril(np.ones((3, 3))).astype('bool')[None, None], (2, 4, 1, 1)).
    // The logits are ~1e5, so every softmax is one-hot. Keras 3.6.0 JAX, for bias in (None, bias) and
    // scale in (None, 1.0): ops.dot_product_attention(a, a, a, bias=.., scale=..) gives
    const UNMASKED = [
      64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88,
      89, 90, 91, 92, 93, 94, 95, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81,
      82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74,
      75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 160, 161, 162,
      163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182,
      183, 184, 185, 186, 187, 188, 189, 190, 191, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170,
      171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190,
      191, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178,
      179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191,
    ];
    // and with mask=tril or is_causal=True (same grid) it returns `a` itself: each query attends to its own key.
    const shape = [2, 3, 4, 8];
    for (const withBias of [false, true]) {
      for (const scale of [null, 1.0]) {
        const cases: [string, Record<string, unknown>, NestedArray][] = [
          ['no mask', {}, nest(UNMASKED, shape)],
          ['tril mask', { mask: bool(Array.from({ length: 72 }, (_, i) => i % 3 <= Math.floor(i / 3) % 3), [2, 4, 3, 3]) }, nest(Array.from({ length: 192 }, (_, i) => i), shape)],
          ['is_causal', { is_causal: true }, nest(Array.from({ length: 192 }, (_, i) => i), shape)],
        ];
        for (const [name, extra, want] of cases) {
          it(`bias=${withBias ? 'arange' : 'None'}, scale=${scale}, ${name}`, () => {
            const a = arange(shape);
            const bias = withBias ? arange([2, 4, 3, 3]) : null;
            expectClose(attention(a, a, a, { bias, scale, ...extra }), want, { dtype: 'float32' });
          });
        }
      }
    }
  });

  describe('hand-derived cases', () => {
    it('gives V when T = S = 1 (a softmax over one logit is 1)', () => {
      const out = ops.dotProductAttention(f32([0.3, -2], [1, 1, 1, 2]), f32([5, 1], [1, 1, 1, 2]), f32([7.5, -1.25], [1, 1, 1, 2]));
      expectClose(out, [[[[7.5, -1.25]]]]);
    });

    it('gives the mean of V for uniform logits (a zero query)', () => {
      // logits all 0 -> p = 1/3 each -> mean of [1, 2], [3, 5], [8, -1] = [4, 2].
      const out = ops.dotProductAttention(f32([0, 0], [1, 1, 1, 2]), f32([1, 2, -3, 4, 0.5, 9], [1, 3, 1, 2]), f32([1, 2, 3, 5, 8, -1], [1, 3, 1, 2]));
      expectClose(out, [[[[4, 2]]]]);
    });

    it('gives the mean of V for scale 0, whatever q and k', () => {
      const out = ops.dotProductAttention(f32([3, 1], [1, 1, 1, 2]), f32([1, 2, -3, 4, 0.5, 9], [1, 3, 1, 2]), f32([1, 2, 3, 5, 8, -1], [1, 3, 1, 2]), { scale: 0 });
      expectClose(out, [[[[4, 2]]]]);
    });

    it('applies a top-left causal mask (2x2, worked by hand)', () => {
      // H = 1, scale 1, q = [1, 1], k = [0, ln 3], v = [4, 8]. Both rows have logits [0, ln 3], i.e.
      // softmax [1/4, 3/4]. Causal: row 0 sees key 0 only -> 4; row 1 sees both -> 4/4 + 3*8/4 = 7.
      const [q, k, v] = [f32([1, 1], [1, 2, 1, 1]), f32([0, Math.log(3)], [1, 2, 1, 1]), f32([4, 8], [1, 2, 1, 1])];
      expectClose(ops.dotProductAttention(q, k, v, { scale: 1, isCausal: true }), [[[[4]], [[7]]]]);
      expectClose(ops.dotProductAttention(q, k, v, { scale: 1 }), [[[[7]], [[7]]]]);
    });

    it('gives the uniform average of V for a fully masked row', () => {
      // Row 0 masked everywhere: every logit is -0.7 * float32 max, so p = [1/2, 1/2] -> [3, 15].
      // Row 1 keeps key 0 only -> v0 = [1, 10]. Keras 3.6.0 JAX agrees:
      // ops.dot_product_attention(q, q * 0.5, v, mask=np.array([[False, False], [True, False]]).reshape(1, 1, 2, 2))
      // with q = [[[[1., 2.]], [[3., 4.]]]], v = [[[[1., 10.]], [[5., 20.]]]] -> [[[[3, 15]], [[1, 10]]]].
      const q = f32([1, 2, 3, 4], [1, 2, 1, 2]);
      const out = ops.dotProductAttention(q, f32([0.5, 1, 1.5, 2], [1, 2, 1, 2]), f32([1, 10, 5, 20], [1, 2, 1, 2]), {
        mask: [[[[false, false], [true, false]]]],
      });
      expectClose(out, [[[[3, 15]], [[1, 10]]]]);
    });
  });

  describe('live Keras 3.6.0 cases', () => {
    // Python: A, Bk, C, D, M as above; e.g. ops.dot_product_attention(A((2,3,2,3)), Bk((2,4,2,3)), C((2,4,2,3)))
    const cases: [string, () => Tensor, number[], number[]][] = [
      // ops.dot_product_attention(A((2,3,2,3)), Bk((2,4,2,3)), C((2,4,2,3)))
      ['MHA, T=3 S=4, default scale 1/sqrt(3)', () => attention(A([2, 3, 2, 3]), Bk([2, 4, 2, 3]), C([2, 4, 2, 3])), [2, 3, 2, 3], [
        0.11187414, -0.095869698, -0.25728196, -0.23363394, -0.2739777, -0.18191463, 0.069003135,
        -0.16132882, -0.31369439, -0.2216503, -0.18470518, -0.05849646, 0.37012011, 0.39199698, 0.22443105,
        -0.16137689, -0.22567198, -0.18090518, 0.33359775, 0.35069066, 0.19830306, 0.23412742, 0.073753685,
        -0.12226348, 0.16840093, 0.24893945, 0.20917144, 0.029500252, -0.1315214, -0.22898188, -0.24430935,
        0.018514313, 0.27239051, 0.20983498, 0.0781793, -0.091258608,
      ]],
      // ..., scale=0.5
      ['custom scale', () => attention(A([2, 3, 2, 3]), Bk([2, 4, 2, 3]), C([2, 4, 2, 3]), { scale: 0.5 }), [2, 3, 2, 3], [
        0.1217364, -0.076582775, -0.23789129, -0.22985235, -0.26755652, -0.17595699, 0.082012035,
        -0.1381036, -0.29147705, -0.21952848, -0.19020292, -0.068956852, 0.36192572, 0.37659651, 0.2092672,
        -0.16740216, -0.22564521, -0.17483935, 0.31189513, 0.33775222, 0.2003817, 0.22378309, 0.064883307,
        -0.12537304, 0.1554589, 0.2421457, 0.21180923, 0.04568924, -0.11404853, -0.21866935, -0.22574112,
        0.029323786, 0.27021724, 0.20225485, 0.068074852, -0.099004105,
      ]],
      // ops.dot_product_attention(A((2,3,4,3)), Bk((2,4,2,3)), C((2,4,2,3)))
      ['GQA: N=4 K=2, head n uses kv head n // 2', () => attention(A([2, 3, 4, 3]), Bk([2, 4, 2, 3]), C([2, 4, 2, 3])), [2, 3, 4, 3], [
        0.11187414, -0.095869698, -0.25728196, 0.028715242, -0.24336751, -0.39783654, -0.25130284,
        -0.23576131, -0.10628195, -0.2216503, -0.18470518, -0.05849646, 0.37012011, 0.39199698, 0.22443105,
        0.29619357, 0.24682319, 0.078169093, -0.20208196, -0.26994717, -0.20735335, -0.24493407,
        -0.26608413, -0.1586421, 0.14464891, -0.0199003, -0.17483215, 0.35483128, 0.36864737, 0.20430498,
        -0.16256025, -0.19177893, -0.12831545, -0.17111257, -0.24383628, -0.19871974, 0.37329704, 0.3725962,
        0.19182846, 0.36209092, 0.36146834, 0.18615669, 0.074828923, -0.094483703, -0.21813458, 0.029916015,
        -0.12460445, -0.21890655, -0.20325963, 0.044000734, 0.26999658, 0.24040173, 0.29807785, 0.21170004,
        0.25520703, 0.10060611, -0.10261539, 0.15754326, -0.01132916, -0.17472646, -0.17022917, 0.056526966,
        0.25596499, -0.25754526, 0.009120441, 0.27137846, 0.17025426, 0.038777415, -0.11143961, 0.25967392,
        0.11848946, -0.079958171,
      ]],
      // ops.dot_product_attention(A((2,3,4,3)), Bk((2,4,1,3)), C((2,4,1,3)))
      ['MQA: N=4 K=1', () => attention(A([2, 3, 4, 3]), Bk([2, 4, 1, 3]), C([2, 4, 1, 3])), [2, 3, 4, 3], [
        0.4406057, 0.15125889, -0.21118778, 0.60942543, 0.19875287, -0.30797228, 0.35868359, 0.056229327,
        -0.27339926, 0.017694289, 0.1484672, 0.20748945, 0.024589786, 0.34754771, 0.50254405, 0.19869637,
        0.21073896, 0.12093639, 0.54120612, 0.17403518, -0.2772429, 0.57541192, 0.17469996, -0.31044036,
        0.19967337, 0.014475258, -0.1777184, 0.002235926, 0.25523186, 0.38488027, 0.056251317, 0.33102763,
        0.44582614, 0.3204098, 0.15841188, -0.080142751, -0.69485015, -0.68753392, -0.34794879, -0.62208581,
        -0.58496606, -0.26514617, -0.055953, -0.070699379, -0.051278416, 0.39039594, 0.11280406,
        -0.21930337, 0.18403132, -0.026287079, -0.22390155, -0.50667858, -0.50494337, -0.25918105,
        -0.71084583, -0.70292044, -0.35529026, -0.4907074, -0.43380949, -0.16726176, 0.16639656,
        0.045437992, -0.097479679, 0.39557806, 0.099618115, -0.24448487, -0.046780188, -0.16640019,
        -0.20560293, -0.63608897, -0.62595516, -0.31331205,
      ]],
      // ..., bias=D((2,2,3,4))
      ['bias (B, N, T, S)', () => attention(A([2, 3, 2, 3]), Bk([2, 4, 2, 3]), C([2, 4, 2, 3]), { bias: D([2, 2, 3, 4]) }), [2, 3, 2, 3], [
        0.43016073, 0.15421437, -0.19626017, -0.33976683, -0.30072153, -0.1163447, 0.1774333, -0.083047368,
        -0.30339319, -0.17452282, -0.15635934, -0.06263113, 0.5605427, 0.29802471, -0.10852152, -0.11675046,
        -0.28291884, -0.3123593, 0.26436102, 0.47475347, 0.4557088, 0.18657462, 0.036642123, -0.13099867,
        0.24691653, 0.30721536, 0.2190443, 0.21116333, 0.00054238568, -0.21034068, 0.068660088, 0.43260887,
        0.58748811, 0.33130801, 0.20326716, -0.02300786,
      ]],
      // ..., bias=D((1,1,3,4))
      ['bias (1, 1, T, S)', () => attention(A([2, 3, 2, 3]), Bk([2, 4, 2, 3]), C([2, 4, 2, 3]), { bias: D([1, 1, 3, 4]) }), [2, 3, 2, 3], [
        0.43016073, 0.15421437, -0.19626017, -0.25206721, -0.39078456, -0.34064505, 0.1774333, -0.083047368,
        -0.30339319, -0.27508107, -0.26346129, -0.12451693, 0.5605427, 0.29802471, -0.10852152, -0.37307432,
        -0.35665143, -0.16786741, 0.23413502, 0.52169502, 0.55713212, 0.35789621, 0.2053455, -0.04644382,
        0.16155604, 0.29843134, 0.29108182, 0.10817474, -0.097227626, -0.25564221, 0.059658732, 0.42274413,
        0.58152735, 0.22105874, -0.05896299, -0.31048933,
      ]],
      // ..., bias=D((3,4)): jax.nn left-pads lower ranks with 1s
      ['bias (T, S), rank 2', () => attention(A([2, 3, 2, 3]), Bk([2, 4, 2, 3]), C([2, 4, 2, 3]), { bias: D([3, 4]) }), [2, 3, 2, 3], [
        0.43016073, 0.15421437, -0.19626017, -0.25206721, -0.39078456, -0.34064505, 0.1774333, -0.083047368,
        -0.30339319, -0.27508107, -0.26346129, -0.12451693, 0.5605427, 0.29802471, -0.10852152, -0.37307432,
        -0.35665143, -0.16786741, 0.23413502, 0.52169502, 0.55713212, 0.35789621, 0.2053455, -0.04644382,
        0.16155604, 0.29843134, 0.29108182, 0.10817474, -0.097227626, -0.25564221, 0.059658732, 0.42274413,
        0.58152735, 0.22105874, -0.05896299, -0.31048933,
      ]],
      // ..., bias=D((2,1,1,4))
      ['bias (B, 1, 1, S)', () => attention(A([2, 3, 2, 3]), Bk([2, 4, 2, 3]), C([2, 4, 2, 3]), { bias: D([2, 1, 1, 4]) }), [2, 3, 2, 3], [
        0.43016073, 0.15421437, -0.19626017, -0.25206721, -0.39078456, -0.34064505, 0.43676004, 0.12321311,
        -0.24987978, -0.31620225, -0.39916745, -0.28922454, 0.21451437, 0.48917529, 0.52742934, -0.14443097,
        -0.30696702, -0.32115322, 0.3101843, 0.40615305, 0.30583766, 0.27695853, 0.08465606, -0.14855866,
        0.16155604, 0.29843134, 0.29108182, 0.10817474, -0.097227626, -0.25564221, -0.23335153, 0.037592884,
        0.29036957, 0.25337958, 0.089593291, -0.11749131,
      ]],
      // ..., bias=np.float32(3.0): a constant shift changes nothing (here an int32 3; any bias dtype adds to the float32 logits)
      ['scalar bias', () => attention(A([2, 3, 2, 3]), Bk([2, 4, 2, 3]), C([2, 4, 2, 3]), { bias: 3 }), [2, 3, 2, 3], [
        0.11187412, -0.095869713, -0.25728199, -0.23363398, -0.27397776, -0.18191461, 0.069003053,
        -0.16132888, -0.31369439, -0.22165029, -0.18470515, -0.058496423, 0.37012005, 0.39199695,
        0.22443108, -0.16137686, -0.22567195, -0.18090516, 0.33359775, 0.35069066, 0.19830306, 0.2341274,
        0.07375367, -0.12226348, 0.16840094, 0.24893941, 0.20917138, 0.029500265, -0.13152136, -0.22898182,
        -0.24430943, 0.018514229, 0.27239046, 0.20983499, 0.078179292, -0.091258623,
      ]],
      // ..., mask=M((2,1,3,4))
      ['mask (B, 1, T, S)', () => attention(A([2, 3, 2, 3]), Bk([2, 4, 2, 3]), C([2, 4, 2, 3]), { mask: M([2, 1, 3, 4]) }), [2, 3, 2, 3], [
        0.011116888, -0.14154327, -0.22579892, 0.04318032, -0.0093498481, -0.057361461, 0.80040067,
        0.21624152, -0.47242197, -0.9327752, -0.94234025, -0.49649471, 0.021211557, 0.62380511, 0.92492849,
        0.1783924, -0.20791563, -0.493743, 0.62212318, 0.11682449, -0.4449327, -0.0040992806, -0.37805927,
        -0.56931216, 0.18929496, 0.78360289, 0.99921411, 0.73192894, 0.11091986, -0.56369412, -0.25874355,
        -0.0069545791, 0.24819541, 0.081011869, 0.070100777, 0.025311626,
      ]],
      // ..., mask=M((1,2,3,4))
      ['mask (1, N, T, S)', () => attention(A([2, 3, 2, 3]), Bk([2, 4, 2, 3]), C([2, 4, 2, 3]), { mask: M([1, 2, 3, 4]) }), [2, 3, 2, 3], [
        0.011116888, -0.14154327, -0.22579892, -0.4906112, -0.22219473, 0.15360314, 0.80040067, 0.21624152,
        -0.47242197, -0.83515102, -0.99186873, -0.66923988, 0.021211557, 0.62380511, 0.92492849,
        0.0089276088, -0.032006539, -0.057472721, 0.3296316, 0.31428373, 0.14704996, -0.0040992806,
        -0.37805927, -0.56931216, 0.39316702, 0.89750254, 0.96809644, 0.73192894, 0.11091986, -0.56369412,
        -0.89185655, -0.79331249, -0.31137931, 0.081011869, 0.070100777, 0.025311626,
      ]],
      // ops.dot_product_attention(A((2,3,4,3)), Bk((2,4,2,3)), C((2,4,2,3)), bias=D((1,4,3,4)), mask=M((1,4,3,4)))
      ['GQA with per-head bias and mask', () => attention(A([2, 3, 4, 3]), Bk([2, 4, 2, 3]), C([2, 4, 2, 3]), { bias: D([1, 4, 3, 4]), mask: M([1, 4, 3, 4]) }), [2, 3, 4, 3], [
        0.41353524, 0.15142906, -0.18385921, -0.77686405, -0.89371431, -0.57865363, -0.20616134,
        -0.22555187, -0.1359386, -0.0093087591, -0.35309827, -0.52624381, 0.80040067, 0.21624152,
        -0.47242197, 0.90929741, 0.41831794, -0.27482468, 0.15995428, 0.13779372, 0.04904072, -0.31459567,
        0.064479023, 0.4123925, 0.47089732, 0.5197559, 0.3174288, 0.13475251, 0.47834858, 0.59077018,
        -0.9327752, -0.94234025, -0.49649471, -0.83515102, -0.99186873, -0.66923988, 0.26457512, 0.55368984,
        0.57521945, 0.62462616, 0.10829008, -0.46037999, 0.15191755, 0.0010050125, -0.15039322, 0.53887779,
        0.43387499, 0.11919071, 0.39316702, 0.89750254, 0.96809644, 0.18929496, 0.78360289, 0.99921411,
        -0.026211105, 0.11731708, 0.20414874, -0.416123, -0.57568055, -0.45702535, -0.82597542, -0.69722146,
        -0.23151693, -0.6136235, -0.46229169, -0.087545276, 0.57083231, -0.10230152, -0.72599548,
        0.73192894, 0.11091986, -0.56369412,
      ]],
      // ..., is_causal=True (T=3 < S=4: top-left, query t sees keys 0..t)
      ['causal, T < S', () => attention(A([2, 3, 2, 3]), Bk([2, 4, 2, 3]), C([2, 4, 2, 3]), { is_causal: true }), [2, 3, 2, 3], [
        0.90929741, 0.41831794, -0.27482468, -0.83515102, -0.99186873, -0.66923988, 0.74873871, 0.45546839,
        -0.057919018, -0.13622259, -0.45126328, -0.54821914, -0.020081824, 0.55138153, 0.85637534,
        0.15038349, 0.063969292, -0.053359739, 0.18929496, 0.78360289, 0.99921411, 0.73192894, 0.11091986,
        -0.56369412, -0.2269612, 0.17647177, 0.49462011, 0.57765394, 0.36900643, -0.017973116, -0.79796875,
        -0.74490219, -0.33184215, 0.053868614, 0.15615469, 0.18297493,
      ]],
      // ops.dot_product_attention(A((1,4,2,3)), Bk((1,2,2,3)), C((1,2,2,3)), is_causal=True) (T=4 > S=2)
      ['causal, T > S', () => attention(A([1, 4, 2, 3]), Bk([1, 2, 2, 3]), C([1, 2, 2, 3]), { is_causal: true }), [1, 4, 2, 3], [
        0.90929741, 0.41831794, -0.27482468, -0.83515102, -0.99186873, -0.66923988, 0.74873871, 0.45546839,
        -0.057919018, -0.13622259, -0.45126328, -0.54821914, 0.021211557, 0.62380511, 0.92492849, 0.1783924,
        -0.20791563, -0.493743, 0.80315179, 0.44287813, -0.13142803, -0.041016426, -0.37762347, -0.53173405,
      ]],
      // ..., mask=M((2,1,3,4)), is_causal=True: the two masks are AND-ed
      ['causal AND mask', () => attention(A([2, 3, 2, 3]), Bk([2, 4, 2, 3]), C([2, 4, 2, 3]), { mask: M([2, 1, 3, 4]), is_causal: true }), [2, 3, 2, 3], [
        0.90929741, 0.41831794, -0.27482468, -0.83515102, -0.99186873, -0.66923988, 0.19937123, 0.073997214,
        -0.087137885, -0.20616134, -0.22555187, -0.1359386, 0.021211557, 0.62380511, 0.92492849, 0.1783924,
        -0.20791563, -0.493743, 0.067922026, 0.19603698, 0.22941191, 0.15191755, 0.0010050125, -0.15039322,
        0.18929496, 0.78360289, 0.99921411, 0.73192894, 0.11091986, -0.56369412, -0.8612057, -0.84280711,
        -0.41709995, -0.2143106, 0.17404558, 0.4782896,
      ]],
      // ops.dot_product_attention(A((2,3,4,3)), Bk((2,4,1,3)), C((2,4,1,3)), bias=D((2,1,3,4)), mask=M((1,4,1,4)), scale=0.8, is_causal=True)
      ['MQA with bias, mask, scale and causal', () => attention(A([2, 3, 4, 3]), Bk([2, 4, 1, 3]), C([2, 4, 1, 3]), { bias: D([2, 1, 3, 4]), mask: M([1, 4, 1, 4]), scale: 0.8, is_causal: true }), [2, 3, 4, 3], [
        0.90929741, 0.41831794, -0.27482468, 0.22767803, 0.094906211, -0.083731532, 0.90929741, 0.41831794,
        -0.27482468, 0.22767803, 0.094906211, -0.083731532, -0.5816716, -0.78695965, -0.61192882,
        0.22767803, 0.094906211, -0.083731532, 0.66987127, 0.22476934, -0.3289583, 0.22767803, 0.094906211,
        -0.083731532, -0.080986358, -0.059716452, -0.0095870271, 0.22767803, 0.094906211, -0.083731532,
        -0.63985819, -0.83399683, -0.6250847, -0.02318323, 0.63407731, 0.98490334, -0.88902992, -0.97264791,
        -0.58620822, -0.23446813, -0.24646087, -0.13934493, -0.88902992, -0.97264791, -0.58620822,
        -0.23446813, -0.24646087, -0.13934493, -0.12827735, 0.3458156, 0.65278405, -0.23446813, -0.24646087,
        -0.13934493, -0.78984821, -0.80075562, -0.42467684, -0.23446813, -0.24646087, -0.13934493,
        0.28223288, 0.22602528, 0.060585052, -0.23446813, -0.24646087, -0.13934493, -0.41203502,
        -0.14596604, 0.19064488, 0.80040067, 0.21624152, -0.47242197,
      ]],
      // ops.dot_product_attention(A((1,3,2,3)), Bk((4,2,3)), C((4,2,3))): jax.nn pads key/value to rank 4
      ['key and value of rank 3 with B = 1', () => attention(A([1, 3, 2, 3]), Bk([4, 2, 3]), C([4, 2, 3])), [1, 3, 2, 3], [0.11187414, -0.095869698, -0.25728196, -0.23363394, -0.2739777, -0.18191463, 0.069003135, -0.16132882, -0.31369439, -0.2216503, -0.18470518, -0.05849646, 0.37012011, 0.39199698, 0.22443105, -0.16137689, -0.22567198, -0.18090518]],
      // ..., mask=np.array(False): every row fully masked, so each is the mean of its V
      ['a scalar False mask', () => attention(A([2, 3, 2, 3]), Bk([2, 4, 2, 3]), C([2, 4, 2, 3]), { mask: false }), [2, 3, 2, 3], [
        0.19937123, 0.073997214, -0.087137885, -0.20616134, -0.22555187, -0.1359386, 0.19937123,
        0.073997214, -0.087137885, -0.20616134, -0.22555187, -0.1359386, 0.19937123, 0.073997214,
        -0.087137885, -0.20616134, -0.22555187, -0.1359386, 0.067922026, 0.19603698, 0.22941191, 0.15191755,
        0.0010050125, -0.15039322, 0.067922026, 0.19603698, 0.22941191, 0.15191755, 0.0010050125,
        -0.15039322, 0.067922026, 0.19603698, 0.22941191, 0.15191755, 0.0010050125, -0.15039322,
      ]],
    ];
    for (const [name, run, shape, want] of cases) {
      it(name, () => expectClose(run(), nest(want, shape), { dtype: 'float32' }));
    }

    it('keeps float32 logits: a huge bias swamps q.k as in Keras', () => {
      // Keras 3.6.0 JAX: ops.dot_product_attention(q, q * 0.5, v, bias=np.array([[3e38, 3e38], [0, 0]],
      // 'float32').reshape(1, 1, 2, 2), scale=1e30), q and v as in the fully masked case -> row 0 is
      // uniform ([3, 15]) since 3e38 + 2.5e30 == 3e38 + 5.5e30 in float32; row 1 is one-hot ([5, 20]).
      const out = ops.dotProductAttention(f32([1, 2, 3, 4], [1, 2, 1, 2]), f32([0.5, 1, 1.5, 2], [1, 2, 1, 2]), f32([1, 10, 5, 20], [1, 2, 1, 2]), {
        bias: f32([3e38, 3e38, 0, 0], [1, 1, 2, 2]), scale: 1e30,
      });
      expectClose(out, [[[[3, 15]], [[5, 20]]]]);
    });

    it('gives NaN for a row whose bias is all -inf, and lets masked keys win over -inf ones', () => {
      // Keras 3.6.0 JAX, same q, k, v: bias=[[-inf, -inf], [0, 0]] -> [[nan, nan], [4.9718585, 19.929646]];
      // bias=[[-inf, 0], [0, 0]] with mask=[[True, False], [True, True]] -> [[5, 20], [4.9718585, 19.929646]]
      // (the masked logit, -0.7 * float32 max, beats -inf).
      const [q, k, v] = [f32([1, 2, 3, 4], [1, 2, 1, 2]), f32([0.5, 1, 1.5, 2], [1, 2, 1, 2]), f32([1, 10, 5, 20], [1, 2, 1, 2])];
      expectClose(ops.dotProductAttention(q, k, v, { bias: f32([-Infinity, -Infinity, 0, 0], [1, 1, 2, 2]) }), [[[[NaN, NaN]], [[4.9718585, 19.929646]]]]);
      const out = ops.dotProductAttention(q, k, v, { bias: f32([-Infinity, 0, 0, 0], [1, 1, 2, 2]), mask: [[[[true, false], [true, true]]]] });
      expectClose(out, [[[[5, 20]], [[4.9718585, 19.929646]]]]);
    });

    it('gives zeros for S = 0 and an empty result for T = 0', () => {
      // Keras 3.6.0 JAX: q (2,3,4,2) with k, v (2,0,2,2) -> zeros (2,3,4,2); q (2,0,4,2) -> shape (2,0,4,2).
      const out = attention(f32(Array(48).fill(0.5), [2, 3, 4, 2]), f32([], [2, 0, 2, 2]), f32([], [2, 0, 2, 2]), { is_causal: true });
      expectClose(out, nest(Array(48).fill(0), [2, 3, 4, 2]));
      const empty = attention(f32([], [2, 0, 4, 2]), f32(Array(40).fill(1), [2, 5, 2, 2]), f32(Array(40).fill(1), [2, 5, 2, 2]));
      expect(empty.shape).to.deep.equal([2, 0, 4, 2]);
    });
  });

  describe('dtypes', () => {
    it('returns float32 for float32 inputs', () => {
      expect(attention(A([1, 2, 1, 2]), Bk([1, 2, 1, 2]), C([1, 2, 1, 2])).dtype).to.equal('float32');
    });

    it('truncates the probabilities for int32 inputs, as Keras casts them to key.dtype', () => {
      // Keras 3.6.0 JAX, q = [[[[10, 0]]]], k = [[[[10, 0]], [[0, 10]]]], v = [[[[1, 2]], [[3, 4]]]], int32:
      // logits [70.7, 0] -> p = [1.0, 0] in float32 -> [[[[1, 2]]]]; q // 10, k // 10 (logits [0.707, 0],
      // p = [0.67, 0.33] -> truncated to 0) -> [[[[0, 0]]]]; with mask [True, False] -> [[[[1, 2]]]].
      const [q, k, v] = [[[[[10, 0]]]], [[[[10, 0]], [[0, 10]]]], [[[[1, 2]], [[3, 4]]]]];
      expectClose(attention(q, k, v), [[[[1, 2]]]], { dtype: 'int32' });
      expectClose(attention([[[[1, 0]]]], [[[[1, 0]], [[0, 1]]]], v), [[[[0, 0]]]], { dtype: 'int32' });
      expectClose(attention([[[[1, 0]]]], [[[[1, 0]], [[0, 1]]]], v, { mask: [[[[true, false]]]] }), [[[[1, 2]]]], { dtype: 'int32' });
    });

    it('rounds int32 probabilities in float32 (1.0 only once the rest underflows 2^-24)', () => {
      // Keras 3.6.0 JAX, same q, k, v, scale=0.0, bias=[0., b]: b=-16.5 -> p0 = 0.99999988 -> [0, 0];
      // b=-17 -> p0 = 1.0 -> [1, 2].
      const [q, k, v] = [[[[[1, 0]]]], [[[[1, 0]], [[0, 1]]]], [[[[1, 2]], [[3, 4]]]]];
      expectClose(attention(q, k, v, { scale: 0, bias: f32([0, -16.5], [1, 1, 1, 2]) }), [[[[0, 0]]]], { dtype: 'int32' });
      expectClose(attention(q, k, v, { scale: 0, bias: f32([0, -17], [1, 1, 1, 2]) }), [[[[1, 2]]]], { dtype: 'int32' });
    });

    it('returns bool for bool inputs: any attended key (p != 0) whose value is True', () => {
      // Keras 3.6.0 JAX, q = [[[[True, False]]]], k = [[[[True, False]], [[False, True]]]],
      // v = [[[[True, False]], [[False, False]]]]: -> [[[[True, False]]]]; mask [False, True] -> [[[[False, False]]]];
      // scale=0.0 and bias [b, 0.]: b=-87 -> [True, False]; b=-88 -> [False, False] (exp underflows and
      // XLA flushes float32 subnormals to zero).
      const [q, k, v] = [[[[[true, false]]]], [[[[true, false]], [[false, true]]]], [[[[true, false]], [[false, false]]]]];
      expectClose(attention(q, k, v), [[[[true, false]]]], { dtype: 'bool' });
      expectClose(attention(q, k, v, { mask: [[[[false, true]]]] }), [[[[false, false]]]], { dtype: 'bool' });
      expectClose(attention(q, k, v, { scale: 0, bias: f32([-87, 0], [1, 1, 1, 2]) }), [[[[true, false]]]], { dtype: 'bool' });
      expectClose(attention(q, k, v, { scale: 0, bias: f32([-88, 0], [1, 1, 1, 2]) }), [[[[false, false]]]], { dtype: 'bool' });
    });

    it('computes int32 mixed with float32 in float32 (deviation: Keras-JAX raises)', () => {
      // JavaScript infers int32 for integer-valued arrays. Keras 3.6.0 JAX with everything float32:
      // ops.dot_product_attention(A((1,2,1,2)), np.array([[[[1.,0.]],[[0.,2.]],[[1.,1.]]]], 'float32'),
      //   np.array([[[[1.,2.]],[[3.,4.]],[[5.,6.]]]], 'float32'))
      const out = attention(A([1, 2, 1, 2]), [[[[1, 0]], [[0, 2]], [[1, 1]]]], [[[[1, 2]], [[3, 4]], [[5, 6]]]]);
      expectClose(out, nest([3.1471922, 4.1471925, 3.3475122, 4.3475122], [1, 2, 1, 2]), { dtype: 'float32' });
    });

    it('accepts a bias of any dtype', () => {
      // Keras adds it to the float32 logits: an int32 or bool bias of ones is a constant shift.
      const [q, k, v] = [A([2, 3, 2, 3]), Bk([2, 4, 2, 3]), C([2, 4, 2, 3])];
      const want = attention(q, k, v).arraySync() as NestedArray;
      expectClose(attention(q, k, v, { bias: tensor(Array(12).fill(1), [1, 1, 3, 4], 'int32') }), want);
      expectClose(attention(q, k, v, { bias: bool(Array(12).fill(true), [1, 1, 3, 4]) }), want);
    });
  });

  describe('API forms', () => {
    const [q, k, v] = [A([2, 3, 4, 3]), Bk([2, 4, 2, 3]), C([2, 4, 2, 3])];
    const [bias, mask] = [D([1, 4, 3, 4]), M([1, 4, 3, 4])];
    const want = () => attention(q, k, v, { bias, mask, scale: 0.8, is_causal: true }).arraySync() as NestedArray;

    it('takes every option in the idiomatic form', () => {
      expectClose(ops.dotProductAttention(q, k, v, { bias, mask, scale: 0.8, isCausal: true }), want());
    });

    it('binds bias, mask, scale and is_causal positionally in the Keras-literal form', () => {
      expectClose(ops.call('dot_product_attention', [q, k, v, bias, mask, 0.8, true]) as Tensor, want());
      expectClose(ops.call('dot_product_attention', [], { query: q, key: k, value: v, bias, mask, scale: 0.8, is_causal: true }) as Tensor, want());
    });

    it('treats null bias, mask and scale as None', () => {
      const plain = attention(q, k, v).arraySync() as NestedArray;
      expectClose(ops.dotProductAttention(q, k, v, { bias: null, mask: null, scale: null, isCausal: false }), plain);
      // scale None is 1/sqrt(H) with H = 3.
      expectClose(ops.dotProductAttention(q, k, v, { scale: 1 / Math.sqrt(3) }), plain);
    });

    it('rejects an unknown option', () => {
      expectKerasError(
        () => ops.dotProductAttention(q, k, v, { causal: true } as never),
        KerasTypeError,
        "dotProductAttention() got an unexpected option 'causal'. Its options are: bias, mask, scale, isCausal.",
      );
    });
  });

  describe('validation', () => {
    const q = f32(Array(48).fill(0.5), [2, 3, 4, 2]);
    const k = f32(Array(40).fill(0.5), [2, 5, 2, 2]);
    const zeros = (shape: number[]) => f32(Array(size(shape)).fill(0), shape);

    it('requires a 4-D query, with Keras message', () => {
      // Keras 3.6.0 JAX: ops.dot_product_attention(q[0], k, k)
      expectKerasError(() => attention(zeros([3, 4, 2]), k, k), KerasValueError,
        '`dot_product_attention` only supports 4D inputs. Received: query.shape=(3, 4, 2), key.shape=(2, 5, 2, 2), value.shape=(2, 5, 2, 2).');
      expectKerasError(() => attention(0.5, k, k), KerasValueError,
        '`dot_product_attention` only supports 4D inputs. Received: query.shape=(), key.shape=(2, 5, 2, 2), value.shape=(2, 5, 2, 2).');
    });

    it('rejects key and value of rank above 4', () => {
      // Keras 3.6.0 JAX: value rank 5 -> "value ndim should be 4, but got 5"; key rank 5 fails in Python
      // unpacking ("too many values to unpack"), reported here in the same words as value.
      expectKerasError(() => attention(q, zeros([1, 2, 5, 2, 2]), k), KerasValueError, 'key ndim should be 4, but got 5');
      expectKerasError(() => attention(q, k, zeros([1, 2, 5, 2, 2])), KerasValueError, 'value ndim should be 4, but got 5');
    });

    it('requires value to have the shape of key (jax.nn messages)', () => {
      // Keras 3.6.0 JAX: v[:, :4] and np.concatenate([v, v], -1)
      expectKerasError(() => attention(q, k, zeros([2, 4, 2, 2])), KerasValueError, 'value shape should be [2, 5, 2, 2]: but got (2, 4, 2, 2)');
      expectKerasError(() => attention(q, k, zeros([2, 5, 2, 4])), KerasValueError, 'value shape should be [2, 5, 2, 2]: but got (2, 5, 2, 4)');
    });

    it('requires matching batch and head dims of query and key', () => {
      // Keras 3.6.0 JAX: q[:1]; k and v with H = 4; k[0], v[0] (rank 3, padded to batch 1) with B = 2.
      expectKerasError(() => attention(zeros([1, 3, 4, 2]), k, k), KerasValueError, 'query shape should be [2, -1, -1, 2]: but got (1, 3, 4, 2)');
      expectKerasError(() => attention(q, zeros([2, 5, 2, 4]), zeros([2, 5, 2, 4])), KerasValueError, 'query shape should be [2, -1, -1, 4]: but got (2, 3, 4, 2)');
      expectKerasError(() => attention(q, zeros([5, 2, 2]), zeros([5, 2, 2])), KerasValueError, 'query shape should be [1, -1, -1, 2]: but got (2, 3, 4, 2)');
    });

    it('requires N to be a multiple of K', () => {
      // Keras 3.6.0 JAX: k and v with 3 heads for a query with 4.
      expectKerasError(() => attention(q, zeros([2, 5, 3, 2]), zeros([2, 5, 3, 2])), KerasValueError,
        'The number of query heads must be a multiple of key/value heads, but got 4 vs 3');
      // Keras 3.6.0 raises ZeroDivisionError for K = 0.
      expectKerasError(() => attention(q, zeros([2, 5, 0, 2]), zeros([2, 5, 0, 2])), KerasValueError,
        'Argument `key` must have at least one key/value head. Received: key.shape=(2, 5, 0, 2)');
    });

    it('requires q, k, v of one dtype where bool is involved (jax.nn messages)', () => {
      // Keras 3.6.0 JAX: q > 0 with float k, v; float q, k with v > 0; k > 0 with float q, v.
      const qb = bool(Array(48).fill(true), [2, 3, 4, 2]);
      const kb = bool(Array(40).fill(true), [2, 5, 2, 2]);
      expectKerasError(() => attention(qb, k, k), KerasValueError, 'query dtype should be float32, but got bool');
      expectKerasError(() => attention(q, k, kb), KerasValueError, 'value dtype should be float32, but got bool');
      expectKerasError(() => attention(q, kb, k), KerasValueError, 'value dtype should be bool, but got float32');
    });

    it('requires a bool mask (jax.nn message)', () => {
      // Keras 3.6.0 JAX: mask=np.ones((2, 4, 3, 5), 'int32') / 'float32'
      expectKerasError(() => attention(q, k, k, { mask: tensor(Array(120).fill(1), [2, 4, 3, 5], 'int32') }), KerasValueError,
        "mask dtype should be <class 'jax.numpy.bool_'>, but got int32");
      expectKerasError(() => attention(q, k, k, { mask: zeros([2, 4, 3, 5]) }), KerasValueError,
        "mask dtype should be <class 'jax.numpy.bool_'>, but got float32");
    });

    it('rejects bias and mask of rank above 4 (jax.nn messages)', () => {
      expectKerasError(() => attention(q, k, k, { mask: bool(Array(120).fill(true), [1, 2, 4, 3, 5]) }), KerasValueError, 'mask ndim should be 4, but got 5');
      expectKerasError(() => attention(q, k, k, { bias: zeros([1, 2, 4, 3, 5]) }), KerasValueError, 'bias ndim should be 4, but got 5');
    });

    it('requires bias and mask heads of 1 or N', () => {
      // Keras 3.6.0 JAX raises a bare AssertionError for a head dim of 3, or of K = 2.
      expectKerasError(() => attention(q, k, k, { bias: zeros([1, 3, 3, 5]) }), KerasValueError,
        'Argument `bias` must broadcast to (B, N, T, S) = (2, 4, 3, 5): each of its dims must be 1 or that size. Received: bias.shape=(1, 3, 3, 5)');
      expectKerasError(() => attention(q, k, k, { mask: bool(Array(60).fill(true), [2, 2, 3, 5]) }), KerasValueError,
        'Argument `mask` must broadcast to (B, N, T, S) = (2, 4, 3, 5): each of its dims must be 1 or that size. Received: mask.shape=(2, 2, 3, 5)');
    });

    it('requires bias and mask batch, T and S of 1 or the size (TypeError, as the jax add/and)', () => {
      // Keras 3.6.0 JAX: bias (3, 1, 3, 5) and (1, 1, 4, 5), mask (2, 4, 3, 2) -> TypeError "... incompatible shapes for broadcasting".
      expectKerasError(() => attention(q, k, k, { bias: zeros([3, 1, 3, 5]) }), KerasTypeError,
        'Argument `bias` must broadcast to (B, N, T, S) = (2, 4, 3, 5): each of its dims must be 1 or that size. Received: bias.shape=(3, 1, 3, 5)');
      expectKerasError(() => attention(q, k, k, { bias: zeros([4, 5]) }), KerasTypeError,
        'Argument `bias` must broadcast to (B, N, T, S) = (2, 4, 3, 5): each of its dims must be 1 or that size. Received: bias.shape=(4, 5)');
      expectKerasError(() => attention(q, k, k, { mask: bool(Array(48).fill(true), [2, 4, 3, 2]) }), KerasTypeError,
        'Argument `mask` must broadcast to (B, N, T, S) = (2, 4, 3, 5): each of its dims must be 1 or that size. Received: mask.shape=(2, 4, 3, 2)');
    });

    it('checks scale and is_causal', () => {
      // Keras 3.6.0 JAX: scale='a' -> ValueError from numpy; is_causal is used for its truth value.
      expectKerasError(() => attention(q, k, k, { scale: 'a' }), KerasTypeError, 'Argument `scale` must be a number. Received: scale=a');
      expectKerasError(() => attention(q, k, k, { is_causal: 1 }), KerasTypeError, 'Argument `is_causal` must be a boolean. Received: is_causal=1');
      expectKerasError(() => ops.dotProductAttention(q, k, k, { isCausal: null }), KerasTypeError, 'Argument `is_causal` must be a boolean. Received: is_causal=None');
    });
  });

  describe('outputSpec', () => {
    const spec = (shape: (number | null)[], dtype = 'float32') => ({ shape, dtype });

    it('gives the query shape and dtype, with null dims passed through', () => {
      expect(ops.outputSpec('dot_product_attention', [spec([null, 3, 4, 8]), spec([null, null, 2, 8]), spec([null, null, 2, 8])]))
        .to.deep.equal({ shape: [null, 3, 4, 8], dtype: 'float32' });
      expect(ops.outputSpec('dot_product_attention', [spec([2, null, null, null]), spec([2, 5, null, 8]), spec([2, 5, 2, null])], {
        bias: spec([null, 1, null, 5]), mask: spec([1, null, null, null], 'bool'), is_causal: true,
      })).to.deep.equal({ shape: [2, null, null, null], dtype: 'float32' });
      expect(ops.outputSpec('dot_product_attention', [spec([1, 2, 2, 2], 'int32'), spec([1, 2, 2, 2], 'int32'), spec([1, 2, 2, 2], 'int32')]))
        .to.deep.equal({ shape: [1, 2, 2, 2], dtype: 'int32' });
    });

    it('checks what the known dims allow (Keras symbolic checks nothing)', () => {
      expectKerasError(() => ops.outputSpec('dot_product_attention', [spec([null, 3, 4]), spec([null, 5, 2, 8]), spec([null, 5, 2, 8])]),
        KerasValueError, '`dot_product_attention` only supports 4D inputs. Received: query.shape=(None, 3, 4), key.shape=(None, 5, 2, 8), value.shape=(None, 5, 2, 8).');
      expectKerasError(() => ops.outputSpec('dot_product_attention', [spec([null, 3, 4, 8]), spec([null, 5, 3, 8]), spec([null, 5, 3, 8])]),
        KerasValueError, 'The number of query heads must be a multiple of key/value heads, but got 4 vs 3');
      expectKerasError(() => ops.outputSpec('dot_product_attention', [spec([2, 3, 4, 8]), spec([null, 5, 2, 8]), spec([null, 6, 2, 8])]),
        KerasValueError, 'value shape should be [None, 5, 2, 8]: but got (None, 6, 2, 8)');
    });
  });
});
