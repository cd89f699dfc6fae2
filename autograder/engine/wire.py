"""What crosses between the grader and the sandboxed worker: values and messages.

Both sides import this module; the worker's side has nothing else of the course.

Messages are JSON objects, one per line (``dumps``); ``autograder.engine.worker`` lists
them. Values are encoded as JSON by ``encode`` and rebuilt by ``decode``: numpy arrays as
{"__ndarray__": base64 of the raw bytes, "dtype": ..., "shape": [...], "order": "C" or "F"}
(never object dtypes), numpy scalars, None, bool, int, float (nan and inf included),
complex, str, bytes, list, tuple and dicts with str keys. Anything else becomes
{"__opaque__": "its type"}. Nothing is ever pickled: the grader rebuilds plain data only,
so no code of the student's process can run in the grader.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np

# Array dtypes that travel as raw bytes: booleans, numbers, strings, dates and durations.
DTYPE_KINDS = "biufcSUmM"
# Containers nested deeper than this come back as opaque values.
MAX_DEPTH = 64


class DecodeError(ValueError):
    """An encoded value is malformed."""


# Values ----------------------------------------------------------------------------------

def encode(value: Any, depth: int = 0) -> Any:
    """VALUE as JSON-ready data (see the module docstring); opaque for anything else."""
    try:
        return _encode(value, depth)
    except Exception:  # an object of the student's that breaks while being read
        return opaque(value)


def _encode(value: Any, depth: int) -> Any:
    if value is None or value is True or value is False:
        return value
    if depth > MAX_DEPTH:
        return opaque(value)
    if isinstance(value, np.ndarray):
        return _encode_array(value.view(np.ndarray))
    if isinstance(value, np.generic):
        dtype = value.dtype
        if dtype.kind not in DTYPE_KINDS or dtype.hasobject:
            return opaque(value)
        raw = np.asarray(value).tobytes()
        return {"__scalar__": base64.b64encode(raw).decode("ascii"), "dtype": dtype.str}
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        number = int(value)
        if number.bit_length() > 13_000:  # over 4,000 digits: JSON could not carry them
            return opaque(value)
        return number
    if isinstance(value, float):
        return float(value)
    if isinstance(value, complex):
        return {"__complex__": [value.real, value.imag]}
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return {"__bytes__": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(item, depth + 1) for item in tuple.__iter__(value)]}
    if isinstance(value, list):
        return [encode(item, depth + 1) for item in list.__iter__(value)]
    if isinstance(value, dict):
        items = list(dict.items(value))
        if not all(type(key) is str for key, _ in items):
            return opaque(value)
        return {"__dict__": {key: encode(item, depth + 1) for key, item in items}}
    return opaque(value)


def _encode_array(array: np.ndarray) -> dict:
    if array.dtype.kind not in DTYPE_KINDS or array.dtype.hasobject:
        return {"__opaque__": f"numpy.ndarray with dtype {array.dtype}"}
    order = "F" if array.flags.f_contiguous and not array.flags.c_contiguous else "C"
    return {"__ndarray__": base64.b64encode(array.tobytes(order=order)).decode("ascii"),
            "dtype": array.dtype.str, "shape": [int(n) for n in array.shape], "order": order}


def opaque(value: Any) -> dict:
    """The placeholder for VALUE, naming its type."""
    kind = type(value)
    module = getattr(kind, "__module__", "")
    name = getattr(kind, "__qualname__", "object")
    if not isinstance(name, str):
        name = "object"
    if isinstance(module, str) and module not in ("builtins", "__main__", ""):
        name = f"{module}.{name}"
    return {"__opaque__": name[:200]}


def decode(data: Any, opaque_type: Any = None) -> Any:
    """The value DATA encodes; DecodeError if DATA is malformed.

    opaque_type -- called with a type name to stand for an opaque value (default: the
                   name itself, a str)
    """
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(item, opaque_type) for item in data]
    if not isinstance(data, dict) or len(data) == 0:
        raise DecodeError(f"expected an encoded value, got {type(data).__name__}")
    if "__ndarray__" in data:
        return _decode_array(data)
    if "__scalar__" in data:
        _expect_keys(data, {"__scalar__", "dtype"})
        dtype = _decode_dtype(data["dtype"])
        raw = _decode_bytes(data["__scalar__"])
        if len(raw) != dtype.itemsize:
            raise DecodeError(f"a {dtype} scalar takes {dtype.itemsize} bytes, got {len(raw)}")
        return np.frombuffer(raw, dtype=dtype)[0]
    if "__tuple__" in data:
        _expect_keys(data, {"__tuple__"})
        if not isinstance(data["__tuple__"], list):
            raise DecodeError("a tuple's items must be a list")
        return tuple(decode(item, opaque_type) for item in data["__tuple__"])
    if "__dict__" in data:
        _expect_keys(data, {"__dict__"})
        if not isinstance(data["__dict__"], dict):
            raise DecodeError("a dict's items must be an object")
        return {key: decode(item, opaque_type) for key, item in data["__dict__"].items()}
    if "__complex__" in data:
        _expect_keys(data, {"__complex__"})
        parts = data["__complex__"]
        if (not isinstance(parts, list) or len(parts) != 2
                or not all(isinstance(p, (int, float)) and not isinstance(p, bool)
                           for p in parts)):
            raise DecodeError("a complex number must be [real, imag]")
        return complex(parts[0], parts[1])
    if "__bytes__" in data:
        _expect_keys(data, {"__bytes__"})
        return _decode_bytes(data["__bytes__"])
    if "__opaque__" in data:
        _expect_keys(data, {"__opaque__"})
        name = data["__opaque__"]
        if not isinstance(name, str):
            raise DecodeError("an opaque value's type must be a str")
        name = name[:200]
        return opaque_type(name) if opaque_type is not None else name
    raise DecodeError(f"unknown encoded value with keys {sorted(data)[:5]}")


def _decode_array(data: dict) -> np.ndarray:
    _expect_keys(data, {"__ndarray__", "dtype", "shape", "order"})
    dtype = _decode_dtype(data["dtype"])
    shape = data["shape"]
    if (not isinstance(shape, list) or len(shape) > 64
            or not all(type(n) is int and n >= 0 for n in shape)):
        raise DecodeError(f"an array's shape must be a list of sizes, got {shape!r:.100}")
    order = data["order"]
    if order not in ("C", "F"):
        raise DecodeError(f"an array's order must be C or F, got {order!r:.20}")
    raw = _decode_bytes(data["__ndarray__"])
    count = 1
    for n in shape:
        count *= n
    if count * dtype.itemsize != len(raw):
        raise DecodeError(f"an array of shape {tuple(shape)} and dtype {dtype} takes "
                          f"{count * dtype.itemsize} bytes, got {len(raw)}")
    flat = np.frombuffer(raw, dtype=dtype)
    return flat.reshape(shape, order=order).copy(order="K")


def _decode_dtype(text: Any) -> np.dtype:
    if not isinstance(text, str) or len(text) > 20:
        raise DecodeError(f"a dtype must be a short str, got {text!r:.40}")
    try:
        dtype = np.dtype(text)
    except TypeError as error:
        raise DecodeError(f"not a dtype: {text!r}: {error}") from None
    if (dtype.kind not in DTYPE_KINDS or dtype.hasobject or dtype.fields is not None
            or dtype.subdtype is not None):
        raise DecodeError(f"dtype {dtype} is not allowed")
    return dtype


def _decode_bytes(text: Any) -> bytes:
    if not isinstance(text, str):
        raise DecodeError("raw bytes must be a base64 str")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as error:
        raise DecodeError(f"raw bytes are not valid base64: {error}") from None


def _expect_keys(data: dict, keys: set) -> None:
    if set(data) != keys:
        raise DecodeError(f"expected the keys {sorted(keys)}, got {sorted(data)[:8]}")


def dumps(message: dict) -> bytes:
    """MESSAGE as one line of JSON, newline included."""
    return json.dumps(message, separators=(",", ":"), allow_nan=True).encode() + b"\n"


def describe(value: Any) -> str:
    """A short description of VALUE's type and shape, for messages."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, np.generic):
        return f"a numpy scalar of type {type(value).__name__}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    if isinstance(value, (bool, int, float)):
        return f"a {type(value).__name__} ({value!r})"
    return f"a {type(value).__name__}"
