#!/usr/bin/env python3
"""Write golden/composition/keras-<version>.json: jax.value_and_grad of a small training step of Keras ops.

    python tools/gen_composition.py [--check]

Run with the Python of one supported Keras version (`npm run golden` runs each). The step is

    z = conv(x, kernel)                                  # [2, 6, 6, 2] * [3, 3, 2, 4], valid: [2, 4, 4, 4]
    y = batch_normalization(z, mean, variance, axis=-1, offset=offset, scale=scale)
    losses = sparse_categorical_crossentropy(target, max_pool(relu(y), 2, strides=2), from_logits=True)

and the file holds the inputs, the per-example losses and the gradients of their sum with respect to x,
kernel, scale and offset (mean, variance and target are constants), all float32 as Keras on JAX gives them,
with an absolute tolerance per gradient derived below (`why` beside it). The inputs come from a seeded
draw, redrawn until no value sits near relu's kink or a max pool tie, so that the derivation (which holds
only where every implementation takes the same branch) applies. spec/composition-grad.spec.ts replays it
with valueAndGrads on every backend. --check exits 1 when the file differs from what this Keras gives.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# Standard library only before the pins (tools/golden/env.py): they make the bits the same on every host.
from golden import env  # noqa: E402

env.pin("jax")
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 20261205
U = 2.0 ** -24
EPSILON = 1e-3  # batch_normalization's default
# How far each value of y must stay from relu's kink, and the larger value of a window from the next one,
# in units of the derived bound on y's error: far enough that no implementation takes another branch.
MARGIN = 64


def gamma(n):
    return n * U / (1 - n * U)


def draw(rng):
    f32 = lambda a: np.asarray(a, dtype=np.float32)  # noqa: E731
    return {
        "x": f32(rng.standard_normal((2, 6, 6, 2))),
        "kernel": f32(rng.standard_normal((3, 3, 2, 4)) * 0.4),
        "mean": f32(rng.standard_normal(4) * 0.2),
        "variance": f32(rng.uniform(0.5, 2.0, 4)),
        "scale": f32(rng.uniform(0.5, 1.5, 4)),
        "offset": f32(rng.standard_normal(4) * 0.1),
        "target": rng.integers(0, 4, (2, 2, 2)).astype(np.int32),
    }


def step(c):
    """The per-example losses of the step as a function of the differentiated inputs."""
    def losses(x, kernel, scale, offset):
        z = ops.conv(x, kernel)
        y = ops.batch_normalization(z, c["mean"], c["variance"], axis=-1, offset=offset, scale=scale, epsilon=EPSILON)
        return ops.sparse_categorical_crossentropy(c["target"], ops.max_pool(ops.relu(y), 2, strides=2), from_logits=True)
    return losses


def keras_values(c):
    """(losses, {name: gradient}) from jax.value_and_grad of the losses' sum, as float32 numpy."""
    losses = step(c)
    names = ("x", "kernel", "scale", "offset")
    args = [jnp.asarray(c[n]) for n in names]
    value = np.asarray(losses(*args))
    grads = jax.grad(lambda *a: jnp.sum(losses(*a)), argnums=(0, 1, 2, 3))(*args)
    return value, {n: np.asarray(g) for n, g in zip(names, grads)}


def windows(a):
    """[N, 4, 4, 3, 3, C] windows of a valid 3x3 convolution over [N, 6, 6, C]."""
    return np.lib.stride_tricks.sliding_window_view(a, (3, 3), axis=(1, 2)).transpose(0, 1, 2, 4, 5, 3)


def conv64(x, k):
    return np.einsum("nhwijc,ijco->nhwo", windows(x), k)


def conv_t64(dz, k):
    """The transpose of conv64 in x: each x gathers dz over the windows it is in."""
    dx = np.zeros((dz.shape[0], 6, 6, k.shape[2]))
    for i in range(3):
        for j in range(3):
            dx[:, i:i + 4, j:j + 4, :] += np.einsum("nhwo,co->nhwc", dz, k[i, j])
    return dx


def derive(c):
    """Per gradient, {"atol", "why"}: twice a float32 error bound of the exact value (each implementation
    within it), from the step's values in float64; also checks the branches are far from their kinks."""
    x, k = c["x"].astype(np.float64), c["kernel"].astype(np.float64)
    mean, scale, offset = (c[n].astype(np.float64) for n in ("mean", "scale", "offset"))
    r = 1 / np.sqrt(c["variance"].astype(np.float64) + EPSILON)
    inv = r * scale
    z, z_mag = conv64(x, k), conv64(np.abs(x), np.abs(k))
    y = z * inv - mean * inv + offset
    # z: 18 products summed (gamma_18 of their magnitudes); y: rsqrt, two products, a sum (4 roundings).
    z_err = gamma(18) * z_mag
    y_err = np.abs(inv) * z_err + gamma(6) * (np.abs(z * inv) + np.abs(mean * inv) + np.abs(offset))
    bound = MARGIN * y_err.max()
    if np.abs(y).min() < bound:
        return None
    a = np.maximum(y, 0)
    blocks = a.reshape(2, 2, 2, 2, 2, 4).transpose(0, 1, 3, 5, 2, 4).reshape(2, 2, 2, 4, 4)
    top = np.sort(blocks, axis=-1)
    if np.any((top[..., -1] > 0) & (top[..., -1] - top[..., -2] < bound)):
        return None
    p = top[..., -1]
    # Logits off by p_err; log_softmax and softmax over 4 classes are 1-Lipschitz in the max norm, plus
    # their own roundings (max, 4 exps, a sum of 4, a log or a division: gamma_8).
    p_err = y_err.max()
    s = np.exp(p - p.max(-1, keepdims=True))
    s /= s.sum(-1, keepdims=True)
    dp = s - np.eye(4)[c["target"]]
    dp_err = p_err + gamma(8)
    # max_pool's pullback routes dp to each window's larger value, relu's keeps it where y > 0: exact.
    mask = (blocks == top[..., -1:]) & (top[..., -1:] > 0)
    dy = (mask * dp[..., None]).reshape(2, 2, 2, 4, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(2, 4, 4, 4)
    routed = dy != 0
    dz = dy * inv
    dz_err = routed * (np.abs(inv) * dp_err + gamma(1) * np.abs(dz))
    bounds = {
        # sums of 36 products dz k (3x3 taps, 4 channels), the products' errors carried
        "x": gamma(36) * conv_t64(np.abs(dz), np.abs(k)) + conv_t64(dz_err, np.abs(k)),
        # sums of 32 products x dz (2 examples, 4x4 positions)
        "kernel": gamma(32) * _correlate(np.abs(x), np.abs(dz)) + _correlate(np.abs(x), dz_err),
        # d inv = sum(dy z) - mean sum(dy) (sums of 32, then a product and a difference), times r; dy's
        # error enters with |z| + |mean|, z's with |dy|
        "scale": r * (gamma(36) * (np.abs(dy * z).sum((0, 1, 2)) + np.abs(mean) * np.abs(dy).sum((0, 1, 2)))
                      + (routed * dp_err * (np.abs(z) + np.abs(mean))).sum((0, 1, 2))
                      + (np.abs(dy) * z_err).sum((0, 1, 2))),
        # sums of 32 routed dp
        "offset": gamma(32) * np.abs(dy).sum((0, 1, 2)) + (routed * dp_err).sum((0, 1, 2)),
    }
    lse = np.log(np.exp(p - p.max(-1, keepdims=True)).sum(-1)) + p.max(-1)
    # a loss is lse(p) - p_target: each 1-Lipschitz in p, plus gamma_8 of the two
    bounds["losses"] = 2 * p_err + gamma(8) * (np.abs(lse) + np.abs(np.take_along_axis(p, c["target"][..., None], -1)[..., 0]))
    return {name: _tolerance(b, name) for name, b in bounds.items()}


def _correlate(x, dz):
    """sum over examples and positions of x's window values times dz: the kernel's gradient's shape."""
    return np.einsum("nhwijc,nhwo->ijco", windows(x), dz)


def _tolerance(bound, name):
    atol = float(2 * bound.max())
    return {"atol": atol, "why": f"{name}: a float32 error bound of the exact value, from the "
                                 "sums' lengths (gamma_n of their magnitudes) and the cotangent's own error, "
                                 f"max {atol / 2:.3g}; x2 for two implementations"}


def case():
    rng = np.random.default_rng(SEED)
    for attempt in range(1000):
        c = draw(rng)
        tolerances = derive(c)
        if tolerances is not None:
            return attempt, c, tolerances
    raise SystemExit("no draw kept clear of relu's kink and max pool's ties")


def build() -> bytes:
    attempt, c, tolerances = case()
    losses, grads = keras_values(c)
    as_list = lambda a: [float(v) for v in np.asarray(a).ravel()]  # noqa: E731
    tensor = lambda a: {"shape": list(a.shape), "dtype": str(a.dtype), "values": as_list(a)}  # noqa: E731
    data = {
        "keras": keras.__version__, "jax": jax.__version__, "seed": SEED, "draw": attempt,
        "inputs": {n: tensor(v) for n, v in c.items()},
        "losses": {**tensor(losses), **tolerances["losses"]},
        "grads": {n: {**tensor(g), **tolerances[n]} for n, g in grads.items()},
    }
    return (json.dumps(data, indent=1) + "\n").encode()


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the file instead of writing it")
    args = parser.parse_args(argv)
    env.check_keras_defaults(keras)
    path = os.path.join(REPO, "golden", "composition", f"keras-{keras.__version__}.json")
    data = build()
    if args.check:
        with open(path, "rb") as f:
            same = f.read() == data
        print(f"{path}: {'as Keras gives it' if same else 'differs from what Keras gives now'}")
        return 0 if same else 1
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
