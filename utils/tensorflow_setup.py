"""TensorFlow for the notebooks, quietly: the graph API of ``tf.compat.v1``, or Keras 3.

A kernel uses one Keras or the other: TensorFlow reads ``TF_USE_LEGACY_KERAS`` once, when it
is first imported.

- The application assignment builds its network as a TensorFlow graph (placeholders,
  variables, sessions). On TensorFlow 2.21 that needs ``TF_USE_LEGACY_KERAS=1`` before the
  first import, so that ``tf.compat.v1.layers`` (``flatten``, ``dense``) and ``tf.keras`` use
  the legacy Keras of the ``tf-keras`` package, and ``tf.compat.v1.disable_v2_behavior()``
  right after it. ``import_tensorflow()`` does both.
- The Keras assignment uses Keras 3, the ``keras`` package TensorFlow 2.21 installs, with
  TensorFlow as its backend and eager execution. ``import_keras()`` imports it.

Both silence the noise that TensorFlow prints on every start on a machine without a GPU (the
C++ start-up log, the failed CUDA probe, deprecation notices of the v1 API). Real errors
still surface: an import that fails raises with what TensorFlow printed, and Python
exceptions are never hidden.

    from utils.tensorflow_setup import import_tensorflow
    tf = import_tensorflow()

    from utils.tensorflow_setup import import_keras
    keras = import_keras()
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import warnings

__all__ = ["import_keras", "import_tensorflow", "quiet_tensorflow_warnings",
           "TensorFlowSetupError"]

# Deprecation notices of the v1 graph API, which the assignment uses on purpose.
_KNOWN_WARNINGS = (
    r"`tf\.layers\.\w+` is deprecated",
    r".*is deprecated and will be removed in a future version",
    r"`Model\.state_updates` will be removed in a future version",
)


class TensorFlowSetupError(RuntimeError):
    """TensorFlow cannot be set up as the notebook needs it in this process."""


def import_tensorflow():
    """Import TensorFlow with legacy Keras and v2 behaviour disabled; return the module.

    Safe to call more than once. Raises TensorFlowSetupError when TensorFlow was already
    imported in this process without ``TF_USE_LEGACY_KERAS=1`` (restart the kernel and run
    the notebook from the top), or when ``tf-keras`` is missing.
    """
    if "tensorflow" in sys.modules and os.environ.get("TF_USE_LEGACY_KERAS") != "1":
        raise TensorFlowSetupError(
            "TensorFlow was imported in this kernel before the notebook's setup cell, with "
            "Keras 3; tf.compat.v1.layers needs the legacy Keras. Restart the kernel "
            "(Kernel > Restart) and run the notebook from the top.")
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    quiet_tensorflow_warnings()
    _first_import()
    import tensorflow as tf

    try:
        import tf_keras  # noqa: F401  (tf.compat.v1.layers needs it)
    except ImportError as error:
        raise TensorFlowSetupError(
            "the tf-keras package is missing: tf.compat.v1.layers needs it with "
            "TensorFlow 2.21. Install the course environment with `make setup`.") from error
    tf.get_logger().setLevel(logging.ERROR)
    tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)
    tf.compat.v1.disable_v2_behavior()
    return tf


def import_keras():
    """Import Keras 3 with TensorFlow as its backend; return the ``keras`` module.

    Safe to call more than once. Raises TensorFlowSetupError when this process already set
    TensorFlow up for the graph API (``TF_USE_LEGACY_KERAS=1``: restart the kernel and run
    the notebook from the top), or when Keras runs on another backend than TensorFlow.
    """
    if os.environ.get("TF_USE_LEGACY_KERAS") == "1":
        if "tensorflow" in sys.modules:
            raise TensorFlowSetupError(
                "TensorFlow was set up in this kernel for the graph API, with the legacy "
                "Keras (TF_USE_LEGACY_KERAS=1); this notebook needs Keras 3. Restart the "
                "kernel (Kernel > Restart) and run the notebook from the top.")
        del os.environ["TF_USE_LEGACY_KERAS"]
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    _first_import()
    import keras

    if keras.backend.backend() != "tensorflow":
        raise TensorFlowSetupError(
            f"Keras runs on the {keras.backend.backend()} backend; the course uses TensorFlow. "
            "Unset KERAS_BACKEND (or set it to tensorflow), restart the kernel and run the "
            "notebook from the top.")
    import tensorflow as tf

    tf.get_logger().setLevel(logging.ERROR)
    return keras


def _first_import() -> None:
    """Import TensorFlow with its start-up messages silenced, if this process has not yet."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "tensorflow" in sys.modules:
        return
    with _fd_stderr_silenced() as captured:
        try:
            import tensorflow as tf  # noqa: F401  (the import being set up)
            tf.config.list_physical_devices()  # the CUDA probe, while stderr is quiet
        except Exception as error:
            raise TensorFlowSetupError(
                f"TensorFlow could not be imported: {type(error).__name__}: {error}\n"
                f"What it printed:\n{captured()}") from error


def quiet_tensorflow_warnings() -> None:
    """Ignore the deprecation warnings of the v1 graph API (and only those)."""
    for pattern in _KNOWN_WARNINGS:
        warnings.filterwarnings("ignore", message=pattern, category=UserWarning)
        warnings.filterwarnings("ignore", message=pattern, category=DeprecationWarning)


@contextlib.contextmanager
def _fd_stderr_silenced():
    """Send what C++ code writes to file descriptor 2 to a temporary file during the block.

    Yields a function returning what was written, for an error message.
    """
    sys.stderr.flush()
    with tempfile.TemporaryFile(mode="w+b") as sink:
        try:
            saved = os.dup(2)
        except OSError:  # no file descriptor 2 at all: nothing to silence
            yield lambda: ""
            return
        os.dup2(sink.fileno(), 2)

        def captured() -> str:
            sink.seek(0)
            return sink.read().decode("utf-8", "replace")[-4000:]

        try:
            yield captured
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
