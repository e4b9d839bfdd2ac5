"""The wire format between the trusted process and a worker.

Messages are length-prefixed JSON. An array travels as its raw bytes (base64) with its
dtype and shape, and only plain dtypes (numbers, booleans, dates, fixed-width strings) are
accepted: nothing a worker sends can execute code in the trusted process, and a size cap
keeps a hostile worker from exhausting memory.

Not ``.npy`` bytes: ``np.load`` parses the header with ``ast.literal_eval``, and replies are
decoded in the calls' threads while a check parses too. CPython 3.11 keeps the AST
converter's recursion counter per interpreter, so two threads parsing at once can end a
grading with a spurious "AST constructor recursion depth mismatch" (gh-106905).
"""

from __future__ import annotations

import base64
import json
import math
import os
import select
import struct
import time

import numpy as np

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
_HEADER = struct.Struct(">Q")
_ARRAY_KEY = "__ndarray__"
_ARRAY_FIELDS = frozenset({_ARRAY_KEY, "dtype", "shape"})
PLAIN_DTYPE_KINDS = frozenset("biufcmMUS")  # no objects, no structured or opaque (void) records


class ProtocolError(Exception):
    """A malformed, oversized or truncated message."""


def _encode_value(value):
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in PLAIN_DTYPE_KINDS:
            raise TypeError(f"arrays of dtype {value.dtype} cannot be sent")
        return {_ARRAY_KEY: base64.b64encode(value.tobytes(order="C")).decode("ascii"),
                "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, dict):
        return {str(key): _encode_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode_value(item) for item in value]
    if isinstance(value, (np.generic,)):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot send a {type(value).__name__}")


def _decode_array(value: dict) -> np.ndarray:
    dtype = np.dtype(value["dtype"])
    if dtype.kind not in PLAIN_DTYPE_KINDS:
        raise ValueError(f"arrays of dtype {dtype} are not accepted")
    shape = value["shape"]
    if not (isinstance(shape, list) and all(type(size) is int and size >= 0 for size in shape)):
        raise ValueError(f"not an array shape: {shape!r}")
    raw = base64.b64decode(value[_ARRAY_KEY], validate=True)
    if len(raw) != dtype.itemsize * math.prod(shape):
        raise ValueError(f"{len(raw)} bytes do not hold a {dtype} array of shape {tuple(shape)}")
    return np.frombuffer(raw, dtype).reshape(shape).copy()


def _decode_value(value):
    if isinstance(value, dict):
        if set(value) == _ARRAY_FIELDS:
            return _decode_array(value)
        return {key: _decode_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode_value(item) for item in value]
    return value


def encode(message: dict) -> bytes:
    payload = json.dumps(_encode_value(message), allow_nan=True).encode("utf-8")
    if len(payload) > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message of {len(payload)} bytes exceeds the cap")
    return _HEADER.pack(len(payload)) + payload


def decode(payload: bytes) -> dict:
    try:
        message = _decode_value(json.loads(payload.decode("utf-8")))
    except (ValueError, TypeError, RecursionError) as error:  # JSON (nesting too), base64 and np.dtype
        raise ProtocolError(f"undecodable message: {type(error).__name__}: {error}"[:300]) from error
    if not isinstance(message, dict):
        raise ProtocolError("a message must be a JSON object")
    return message


def write_message(fd: int, message: dict, deadline: float | None = None) -> None:
    """Send ``message``; with a ``deadline`` (and ``fd`` non-blocking), ``TimeoutError`` once
    ``time.monotonic()`` passes it with the message not taken: a reader that stops reading
    cannot hang the writer."""
    data = memoryview(encode(message))
    while data:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([], [fd], [], left)[1]:
                raise TimeoutError("the channel took no message before the deadline")
        try:
            written = os.write(fd, data)
        except BlockingIOError:
            continue
        data = data[written:]


def read_exactly(fd: int, size: int, deadline: float | None = None) -> bytes:
    """``size`` bytes from ``fd``; ``TimeoutError`` once ``time.monotonic()`` passes ``deadline``."""
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError("no message before the deadline")
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("channel closed")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_message(fd: int, deadline: float | None = None) -> dict:
    (size,) = _HEADER.unpack(read_exactly(fd, _HEADER.size, deadline))
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"announced message of {size} bytes exceeds the cap")
    return decode(read_exactly(fd, size, deadline))
