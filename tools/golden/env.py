"""The process environment meant to make Keras's results bit-identical on every x86-64 machine.

Set before keras (and so jax, tensorflow, numpy) is imported; the workers inherit it. Measured on this
project's machine (AVX-512): without these pins softmax, log_softmax and moments on JAX, gelu, elu and
psnr on the numpy backend, and softmax on tensorflow change in their last bits between AVX-512 and AVX2
hosts, so goldens made on one machine would not check on another. (Checked here: the pins change those
bits to what AVX2 gives; not checked on an AVX2-only host, since none was at hand.)
"""
import atexit
import os
import shutil
import tempfile

# Numbers do not depend on these; only their bits do. Each pin caps a library's runtime CPU dispatch at
# AVX2, which every x86-64 CI host has, and runs single-threaded so no reduction is split by core count.
PINNED = {
    "JAX_PLATFORMS": "cpu",
    "JAX_ENABLE_X64": "0",
    # Keep Keras's own frames in tracebacks: an error's origin is the frame that raised.
    "JAX_TRACEBACK_FILTERING": "off",
    "XLA_FLAGS": "--xla_cpu_max_isa=AVX2 --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    "NPY_DISABLE_CPU_FEATURES": "AVX512F AVX512CD AVX512_KNL AVX512_KNM AVX512_SKX AVX512_CLX AVX512_CNL "
    "AVX512_ICL AVX512_SPR",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "OMP_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
}

# TensorFlow's own XLA (grouped conv is jit-compiled) knows neither the ISA cap nor jaxlib's thread flag,
# and aborts on unknown flags; the Keras tensorflow backend does not import jax.
TENSORFLOW_XLA_FLAGS = "--xla_cpu_multi_thread_eigen=false"

QUIET = {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore", "PYTHONHASHSEED": "0"}

# What the manifest records: the pins that change bits, not the ones that only silence logs.
RECORDED = ("XLA_FLAGS", "NPY_DISABLE_CPU_FEATURES", "TF_ENABLE_ONEDNN_OPTS", "ONEDNN_MAX_CPU_ISA")


# What a timing run keeps of PINNED: JAX on the CPU in float32, but every core and the host's ISA, as a
# user runs it (the numbers may then differ from the goldens in their last bits).
UNPINNED = {k: PINNED[k] for k in ("JAX_PLATFORMS", "JAX_ENABLE_X64", "JAX_TRACEBACK_FILTERING")}


def pin(backend: str, keras_home=None, cpu_pins=True) -> None:
    """Set the environment of this process for a Keras `backend` (before keras is imported).

    The parent passes `keras_home`, an empty folder; its workers inherit it through GOLDEN_KERAS_HOME.
    `cpu_pins=False` leaves the ISA and thread caps out (for timing).
    """
    os.environ.update(PINNED if cpu_pins else UNPINNED)
    os.environ.update(QUIET)
    os.environ["KERAS_BACKEND"] = backend
    if backend == "tensorflow":
        os.environ["XLA_FLAGS"] = TENSORFLOW_XLA_FLAGS
    # A user's ~/.keras/keras.json could change floatx or image_data_format: use an empty Keras home.
    if keras_home is not None:
        os.makedirs(keras_home, exist_ok=True)
        os.environ["GOLDEN_KERAS_HOME"] = keras_home
    if "GOLDEN_KERAS_HOME" not in os.environ:  # a worker started by hand
        home = tempfile.mkdtemp(prefix="golden-keras-home-")
        atexit.register(shutil.rmtree, home, ignore_errors=True)
        os.environ["GOLDEN_KERAS_HOME"] = home
    os.environ["KERAS_HOME"] = os.environ["GOLDEN_KERAS_HOME"]


def installed_keras() -> str:
    """The installed Keras's version, read without importing it (imports must wait for pin)."""
    import importlib.metadata

    return importlib.metadata.version("keras")


def recorded() -> dict:
    pins = {name: PINNED[name] for name in RECORDED}
    pins["XLA_FLAGS (tensorflow worker)"] = TENSORFLOW_XLA_FLAGS
    return pins


def check_keras_defaults(keras) -> None:
    """Fail if Keras does not run with its stock configuration; silence its logged fallbacks.

    Keras 3.12+ logs a traceback for every attention call that jax.nn.dot_product_attention refuses before
    it falls back to its own implementation: the fallback's answer (or error) is what a case records, and
    the traceback is noise in the generator's and the oracle's output.
    """
    from absl import logging

    logging.set_verbosity(logging.FATAL)
    got = (keras.config.floatx(), keras.config.epsilon(), keras.config.image_data_format())
    if got != ("float32", 1e-07, "channels_last"):
        raise SystemExit(f"Keras is not at its defaults (floatx, epsilon, image_data_format): {got}")
