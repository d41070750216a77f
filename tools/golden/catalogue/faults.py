"""Calls with two faults at once: Keras checks its arguments in an order, and keras-parity must raise
the error Keras raises first (its class, and its words where they are Keras's own).

Each case is one pair of faults, each of which alone Keras rejects; the id names both. Where a fault
alone is a documented deviation (docs/deviations.md: a batch of sequence lengths that differs from the
inputs'), Keras reports the other fault first and keras-parity must too.
"""
import numpy as np

from ..common import make_case


def _ones(*shape, dtype=np.float32) -> np.ndarray:
    return np.ones(shape, dtype=dtype)


def _ints(values) -> np.ndarray:
    return np.array(values, dtype=np.int32)


def _ctc() -> list:
    logits = _ones(2, 3, 4)
    return [
        make_case("ctc_decode", "error-strategy=invalid-and-sequence_lengths=3-for-batch-2",
                  [logits, _ints([1, 2, 3])], {"strategy": "invalid"}),
        make_case("ctc_decode", "error-strategy=invalid-and-inputs-rank-2",
                  [_ones(2, 3), _ints([1, 2])], {"strategy": "invalid"}),
        make_case("ctc_decode", "error-beam_width=0-and-no-time-steps",
                  [_ones(2, 0, 4), _ints([0, 0])], {"strategy": "beam_search", "beam_width": 0}),
        make_case("ctc_loss", "error-mask_index=none-and-no-time-steps",
                  [_ints([[1, 2], [1, 1]]), _ones(2, 0, 3), _ints([2, 1]), _ints([0, 0])], {"mask_index": None}),
    ]


def _conv() -> list:
    x, k = _ones(1, 5, 5, 2), _ones(2, 2, 2, 3)
    return [
        make_case("conv", "error-channels-and-padding=full", [x, _ones(2, 2, 3, 3)], {"padding": "full"}),
        make_case("conv", "error-padding=full-and-strides-length-3", [x, k], {"strides": (1, 1, 1), "padding": "full"}),
        make_case("conv", "error-padding=causal-and-dilation_rate=0", [x, k], {"padding": "causal", "dilation_rate": 0}),
        make_case("conv", "error-strides=0-and-dilation_rate=0", [x, k], {"strides": 0, "dilation_rate": 0}),
        make_case("conv", "error-groups-filters-and-dilation_rate=-2", [_ones(1, 5, 2), _ones(2, 1, 3)],
                  {"dilation_rate": -2}),
        make_case("depthwise_conv", "error-channels-and-padding=causal", [x, _ones(2, 2, 3, 1)], {"padding": "causal"}),
        make_case("separable_conv", "error-channels-and-padding=none",
                  [x, _ones(2, 2, 3, 1), _ones(1, 1, 2, 4)], {"padding": "none"}),
        make_case("conv_transpose", "error-strides=-1-and-channels", [_ones(1, 5, 2), _ones(2, 1, 3), -1]),
        make_case("conv_transpose", "error-strides-length-2-and-dilation_rate=-2",
                  [_ones(1, 5, 1), _ones(2, 1, 1), (1, 1)], {"dilation_rate": -2}),
        make_case("conv_transpose", "error-dilation_rate=none-and-kernel-rank-3",
                  [_ones(1, 5, 5, 3), _ones(2, 2, 3), 1], {"dilation_rate": None}),
    ]


def _pooling() -> list:
    # A bad padding name with a bool input is checked in spec/ops/pooling.spec.ts instead: Keras's
    # tensorflow backend hands both to TensorFlow's AvgPool, which names either fault first from run to
    # run, so that backend's golden record would not repeat.
    x = _ones(1, 4, 4, 1)
    return [
        make_case("max_pool", "error-padding=causal-and-pool_size-length-1", [x, (1,)], {"padding": "causal"}),
        make_case("max_pool", "error-padding=full-and-strides=0", [x, 2], {"strides": 0, "padding": "full"}),
        make_case("average_pool", "error-pool_size-length-3-and-bool", [_ones(1, 4, 4, 1, dtype=bool), (1, 1, 1)],
                  {"padding": "same"}),
    ]


def _encoding() -> list:
    labels = _ints([[0, 1, 2], [3, 0, 1]])
    return [
        make_case("one_hot", "error-num_classes=str-and-axis=5", [labels, "4"], {"axis": 5}),
        make_case("one_hot", "error-dtype=foo-and-axis=5", [labels, 4], {"axis": 5, "dtype": "foo"}),
        make_case("one_hot", "error-num_classes=-5-and-axis=5", [labels, -5], {"axis": 5}),
        make_case("multi_hot", "error-num_classes=-5-and-axis=5", [labels], {"num_classes": -5, "axis": 5}),
        make_case("multi_hot", "error-num_classes=none-and-inputs=str", ["abc"], {"num_classes": None}),
    ]


def _normalization() -> list:
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    return [
        make_case("batch_normalization", "error-variance-length-4-and-mean-bool",
                  [x, _ones(3, dtype=bool), _ones(4), 1]),
    ]


def cases() -> list:
    return _ctc() + _conv() + _pooling() + _encoding() + _normalization()
