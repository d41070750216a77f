"""CTC: ctc_loss and ctc_decode (greedy and beam search).

Logits are random floats. Beam search sorts path scores, and integer-valued logits make exact ties
whose order JAX settles by float32 rounding, so only greedy decoding gets exact ties (argmax takes
the first maximum, exactly). Peaked logits (a pattern of classes plus noise) give decodings with
repeats and blanks where it matters.

Left out, where keras-parity differs from Keras-JAX (docs/deviations.md, src/ops/ctc.ts): float-typed
labels and lengths; mask_index outside [0, C); a non-boolean merge_repeated; T = 0 and mismatched
batch sizes, where Keras-JAX fails inside JAX (IndexError, TypeError) and keras-parity raises a
ValueError; inputs of the wrong rank, where Keras-JAX's unpacking fails ("not enough values to
unpack") and keras-parity names the argument in its own ValueError; beam search with top_paths=0,
which Keras-JAX answers with all 2 * beam_width rows and keras-parity rejects.
"""
import numpy as np

from ..common import Case, fmt, integers, normal, make_case

LOSS, DECODE = "ctc_loss", "ctc_decode"




def _n(shape, scale=1.0):
    """Normal values seeded by the case id."""
    return lambda cid: normal(cid, shape, scale=scale)


def _int_logits(shape, bound: int):
    """int32 logits in [-bound, bound) seeded by the case id."""
    return lambda cid: integers(cid, shape, -bound, bound)


def _ints(values) -> np.ndarray:
    return np.array(values, dtype=np.int32)


def _peaked(cid: str, pattern, classes: int, height: float = 3.0) -> np.ndarray:
    """Logits (B, T, C): noise plus `height` on the class `pattern[b][t]` of each frame."""
    pattern = _ints(pattern)
    return normal(cid, (*pattern.shape, classes)) + height * np.eye(classes, dtype=np.float32)[pattern]


# ctc_loss --------------------------------------------------------------------------------------

def _loss(tag: str, target, shape, target_length, output_length, mask_index=None, scale=1.0) -> Case:
    """Random logits of `shape` (B, T, C) for fixed labels and lengths."""
    kwargs = {} if mask_index is None else {"mask_index": mask_index}
    args = [_ints(target), _n(shape, scale), _ints(target_length), _ints(output_length)]
    return make_case(LOSS, tag, args, kwargs)


def _loss_special(tag: str, value: float, index, output_length) -> Case:
    """Random logits (2, 4, 4) with one entry set to `value`."""
    def args(cid):
        x = normal(cid, (2, 4, 4))
        x[index] = value
        return _ints([[1, 2], [3, 1]]), x, _ints([2, 2]), _ints(output_length)
    return make_case(LOSS, tag, args)


def _log_softmax(cid):
    x = normal(cid, (2, 5, 4))
    return (x - np.log(np.exp(x).sum(-1, keepdims=True))).astype(np.float32)


def ctc_loss_cases() -> list:
    labels = [[1, 3], [2, 1]]
    return [
        _loss("b2-t6-c5-l3-full", [[1, 2, 3], [3, 1, 2]], (2, 6, 5), [3, 3], [6, 6]),
        _loss("b3-t8-c5-l4-varied", [[1, 2, 3, 4], [4, 3, 2, 1], [2, 2, 4, 1]], (3, 8, 5), [4, 2, 3],
              [8, 5, 7]),
        _loss("b1-t1-c2-l1", [[1]], (1, 1, 2), [1], [1]),
        _loss("b2-t5-c3-scale10", [[1, 2], [2, 2]], (2, 5, 3), [2, 2], [5, 5], scale=10.0),
        # Repeated labels need a blank between them: [1, 1] fits in 3 frames exactly, [3, 3, 3] in 5.
        _loss("repeats-b2-t7-c4", [[1, 1, 2], [3, 3, 3]], (2, 7, 4), [3, 3], [7, 5]),
        _loss("repeats-tight-b2-t3-c3", [[1, 1], [2, 1]], (2, 3, 3), [2, 2], [3, 2]),
        # Keras's own test: the padding equals the last label.
        _loss("pad_equals_last-b2-t5-c4", [[1, 2, 2], [3, 2, 2]], (2, 5, 4), [2, 3], [5, 5]),
        _loss("pad_minus1-b2-t6-c4", [[1, 2, -1, -1], [3, -1, -1, -1]], (2, 6, 4), [2, 1], [6, 4]),
        _loss("mask2-b2-t6-c5", [[1, 3, 4], [4, 4, 0]], (2, 6, 5), [3, 3], [6, 6], mask_index=2),
        _loss("mask4-b2-t6-c5", [[0, 1, 2], [3, 3, 0]], (2, 6, 5), [3, 3], [6, 5], mask_index=4),
        _loss("mask0-explicit-b2-t4-c3", [[1, 2], [2, 1]], (2, 4, 3), [2, 1], [4, 4], mask_index=0),
        # Infeasible alignments: Keras-JAX's log_epsilon = -1e5 gives a finite loss around 1e5.
        _loss("infeasible-t2-l3", [[1, 2, 3], [1, 2, 1]], (2, 2, 4), [3, 3], [2, 2]),
        _loss("infeasible-repeat-t2-l2", [[2, 2], [1, 2]], (2, 2, 3), [2, 2], [2, 2]),
        _loss("infeasible-output_length-b2-t6", [[1, 2, 3], [1, 2, 3]], (2, 6, 4), [3, 3], [2, 6]),
        # Empty targets: -log p(all blank). Empty outputs: 0 for an empty target, ~1e5 otherwise.
        _loss("target_length0-b2-t4-c3", [[1, 2], [2, 1]], (2, 4, 3), [0, 1], [4, 3]),
        _loss("output_length0-b2-t4-c3", [[1, 2], [2, 1]], (2, 4, 3), [0, 2], [0, 0]),
        _loss("l0-b2-t4-c3", np.zeros((2, 0), np.int32), (2, 4, 3), [0, 0], [4, 2]),
        # Lengths past the padded size count as the full size; negative ones as 0.
        _loss("lengths_past_size-b2-t4-c3", [[1, 2], [2, 1]], (2, 4, 3), [3, 2], [9, 4]),
        _loss("lengths_negative-b2-t4-c3", [[1, 2], [2, 1]], (2, 4, 3), [-1, 2], [4, -1]),
        # A label equal to the blank, and labels >= C (an all-zero one-hot: log-probability 0).
        _loss("label_is_blank-b2-t5-c4", [[0, 2], [3, 0]], (2, 5, 4), [2, 2], [5, 5]),
        _loss("label_out_of_range-b2-t5-c4", [[5, 2], [3, 7]], (2, 5, 4), [2, 2], [5, 5]),
        # Log-probabilities give the same loss as their logits: log_softmax is idempotent.
        make_case(LOSS, "logprobs-b2-t5-c4", [_ints(labels), _log_softmax, _ints([2, 1]), _ints([5, 4])]),
        make_case(LOSS, "logits_int32-b2-t5-c4",
              [_ints(labels), _int_logits((2, 5, 4), 3), _ints([2, 2]), _ints([5, 4])]),
        make_case(LOSS, "mask_index-positional-b2-t5-c4",
              [_ints(labels), _n((2, 5, 4)), _ints([2, 2]), _ints([5, 5]), 3]),
        # NaN or -inf anywhere in a sample's logits makes its loss NaN, even in a frame past output_length.
        _loss_special("nan-b2-t4-c4", np.nan, (0, 1, 2), [4, 4]),
        _loss_special("nan_past_length-b2-t4-c4", np.nan, (0, 3, 1), [3, 4]),
        _loss_special("neginf-b2-t4-c4", -np.inf, (1, 2, 0), [4, 4]),
    ]


# ctc_decode: greedy ----------------------------------------------------------------------------

# Per frame, the class that peaks: repeats (1 1), a blank between repeats (2 0 2), runs at the end.
PATTERN = [[1, 1, 0, 2, 0, 2, 3, 3], [3, 0, 0, 1, 2, 2, 2, 1]]
# Exact ties: argmax takes the lowest class, as in Keras's test ([0.1, 0.4, 0.2, 0.4] -> 1).
TIES = np.array([[[0.1, 0.4, 0.2, 0.4], [1, 1, 1, 1], [0, 2, 2, 0], [0.5, 0.5, 0.5, 0.7]],
                 [[3, 1, 3, 0], [0, 1, 0, 1], [0, 1, 0, 1], [0, 0, 2, 2]]], np.float32)
DEFAULT = object()  # leave the keyword out of the call


def _greedy(tag: str, lengths, merge_repeated=DEFAULT, mask_index=DEFAULT, pattern=PATTERN, classes=4):
    """Peaked logits of `pattern`; a keyword left at DEFAULT is not passed."""
    given = (("merge_repeated", merge_repeated), ("mask_index", mask_index))
    kwargs = {k: v for k, v in given if v is not DEFAULT}
    return make_case(DECODE, tag, lambda cid: [_peaked(cid, pattern, classes), _ints(lengths)], kwargs)


def _with_nan(shape):
    def logits(cid):
        x = normal(cid, shape)
        x[0, 1, 2] = np.nan  # greedy: argmax picks the NaN and the score is NaN
        return x
    return logits


def greedy_cases() -> list:
    out = []
    for merge in (True, False):
        m = f"merge{fmt(merge)}"
        out += [
            _greedy(f"greedy-{m}-b2-t8-c4", [8, 8], merge),
            _greedy(f"greedy-{m}-lengths8x5-b2-t8-c4", [8, 5], merge),
            _greedy(f"greedy-{m}-mask2-b2-t8-c4", [8, 6], merge, 2),
            _greedy(f"greedy-{m}-masknone-b2-t8-c4", [7, 8], merge, None),  # None: the last class
            make_case(DECODE, f"greedy-ties-{m}-b2-t4-c4", [TIES, _ints([4, 4])], {"merge_repeated": merge}),
        ]
    return out + [
        _greedy("greedy-default-b2-t8-c4", [8, 8]),
        _greedy("greedy-mask3-b2-t8-c4", [8, 8], True, 3),
        _greedy("greedy-lengths0x3-b2-t8-c4", [0, 3], True),
        _greedy("greedy-lengths_past_size-b2-t8-c4", [12, -1], True),
        _greedy("greedy-b1-t1-c3", [1], True, pattern=[[2]], classes=3),
        _greedy("greedy-c1-b2-t3", [3, 2], True, pattern=[[0, 0, 0], [0, 0, 0]], classes=1),
        make_case(DECODE, "greedy-random-b3-t6-c5", [_n((3, 6, 5)), _ints([6, 4, 5])]),
        make_case(DECODE, "greedy-logits_int32-b2-t5-c4", [_int_logits((2, 5, 4), 3), _ints([5, 4])]),
        make_case(DECODE, "greedy-nan-b2-t4-c4", [_with_nan((2, 4, 4)), _ints([4, 4])]),
        # Keras-JAX ignores the beam arguments in greedy decoding (and merge_repeated in beam search).
        make_case(DECODE, "greedy-beam_args_ignored-b2-t8-c4",
              [lambda cid: _peaked(cid, PATTERN, 4), _ints([8, 8])], {"beam_width": 2, "top_paths": 3}),
    ]


# ctc_decode: beam search -----------------------------------------------------------------------

def _beam(shape, lengths, width, top, mask_index=DEFAULT, peaked=False, suffix="", **extra) -> Case:
    """Random (or peaked) logits of `shape` (B, T, C); `extra` adds keywords."""
    kwargs = {"strategy": "beam_search", "beam_width": width, "top_paths": top, **extra}
    mask = ""
    if mask_index is not DEFAULT:
        kwargs["mask_index"] = mask_index
        mask = f"-mask{fmt(mask_index)}"
    def logits(cid):
        return _peaked(cid, PATTERN, shape[2], 2.0)[:, :shape[1]] if peaked else normal(cid, shape, scale=1.5)
    b, t, c = shape
    tag = f"beam-{'peaked-' if peaked else ''}w{width}-top{top}{mask}-b{b}-t{t}-c{c}{suffix}"
    return make_case(DECODE, tag, [logits, _ints(lengths)], kwargs)


def beam_cases() -> list:
    beam = {"strategy": "beam_search", "beam_width": 3, "top_paths": 2}
    return [
        _beam((2, 5, 4), [5, 5], 1, 1),
        _beam((2, 5, 4), [5, 5], 2, 2),
        _beam((2, 6, 5), [6, 4], 3, 3),
        _beam((2, 6, 5), [6, 6], 4, 3, mask_index=2),
        _beam((2, 6, 5), [6, 6], 4, 5, mask_index=None),
        _beam((2, 6, 5), [5, 6], 4, 2, mask_index=4),
        _beam((3, 5, 4), [5, 3, 1], 8, 4),  # beam wider than the class count
        _beam((2, 4, 3), [4, 4], 1, 3),  # top_paths > 2 * beam_width: 2 rows come back
        _beam((2, 4, 3), [4, 4], 2, 6),
        _beam((2, 8, 4), [8, 8], 3, 2, peaked=True),
        _beam((2, 8, 4), [8, 6], 5, 4, mask_index=2, peaked=True),
        _beam((2, 5, 4), [0, 2], 3, 2, suffix="-lengths0x2"),  # frame 0 is always decoded
        _beam((2, 5, 4), [7, -1], 3, 2, suffix="-lengths_past_size"),
        _beam((2, 8, 4), [8, 8], 3, 2, peaked=True, suffix="-merge_repeatedf", merge_repeated=False),
        _beam((1, 1, 4), [1], 2, 3),
        _beam((2, 3, 1), [3, 2], 2, 2),  # the blank is the only class
        _beam((2, 4, 2), [4, 3], 2, 3),
        make_case(DECODE, "beam-default-w100-top1-b2-t4-c4", [_n((2, 4, 4)), _ints([4, 3])],
              {"strategy": "beam_search"}),
        # Spread-out integers: exact score ties between paths are unlikely (none here).
        make_case(DECODE, "beam-logits_int32-w3-top2-b2-t5-c4",
              [_int_logits((2, 5, 4), 30), _ints([5, 4])], beam),
        make_case(DECODE, "beam-nan-w3-top2-b2-t5-c4", [_with_nan((2, 5, 4)), _ints([5, 5])], beam),
        make_case(DECODE, "error-strategy-beam", [_n((2, 4, 3)), _ints([4, 4])], {"strategy": "beam"}),
        make_case(DECODE, "error-strategy-none", [_n((2, 4, 3)), _ints([4, 4])], {"strategy": None}),
        make_case(DECODE, "error-beam-w0", [_n((2, 4, 3)), _ints([4, 4])], {**beam, "beam_width": 0}),
    ]


def cases() -> list:
    return ctc_loss_cases() + greedy_cases() + beam_cases()
