"""The wire format between grader and worker: arrays round-trip exactly, hostile messages are refused,
and decoding never parses Python source (replies are decoded in the calls' threads)."""

from __future__ import annotations

import ast
import base64
import json
import os
import time

import numpy as np
import pytest

from autograder import protocol


def _round_trip(value):
    return protocol.decode(protocol.encode({"value": value})[protocol._HEADER.size:])["value"]


@pytest.mark.parametrize("array", [
    np.arange(12, dtype=np.float32).reshape(3, 4),
    np.arange(24, dtype=np.float64).reshape(2, 3, 4).transpose(2, 0, 1),  # not C-contiguous
    np.arange(10, dtype=">i4")[::3],  # big-endian, strided
    np.array(3.5, dtype=np.float16),  # 0-d
    np.zeros((0, 5), dtype=np.uint8),
    np.array([True, False, True]),
    np.array([1 + 2j, -3j], dtype=np.complex64),
    np.array(["ein", "Wort"]),
    np.array([b"raw", b"bytes"]),
    np.array(["2026-12-02", "NaT"], dtype="datetime64[D]"),
    np.array([np.nan, np.inf, -0.0]),
], ids=lambda array: f"{array.dtype.str}{array.shape}")
def test_arrays_round_trip_with_dtype_shape_and_values(array):
    decoded = _round_trip(array)
    assert decoded.dtype == array.dtype and decoded.shape == array.shape
    np.testing.assert_array_equal(decoded, array)
    assert decoded.flags.writeable and decoded.flags.owndata


def _array_message(raw: bytes, dtype: str, shape) -> bytes:
    return json.dumps({"value": {"__ndarray__": base64.b64encode(raw).decode(), "dtype": dtype,
                                 "shape": shape}}).encode()


@pytest.mark.parametrize("raw, dtype, shape", [
    (b"\0" * 8, "|O", [1]),  # object pointers
    (b"\0" * 8, "|V8", [1]),  # opaque records
    (b"\0" * 7, "<f8", [1]),  # too few bytes for the shape
    (b"\0" * 16, "<f8", [1]),  # too many
    (b"\0" * 8, "<f8", [-1]),
    (b"\0" * 8, "<f8", "8"),
    (b"\0" * 8, "<f8", [1.0]),
    (b"\0" * 8, "[('a', '<f8')]", [1]),
    (b"\0" * 8, "not a dtype", [1]),
])
def test_a_malformed_or_unsafe_array_is_a_protocol_error(raw, dtype, shape):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(_array_message(raw, dtype, shape))


def test_arrays_of_objects_or_records_are_never_sent():
    for array in (np.array([{"a": 1}], dtype=object), np.zeros(2, dtype=[("a", "<f4")])):
        with pytest.raises(TypeError):
            protocol.encode({"value": array})


def test_decoding_never_parses_source(monkeypatch):
    """``np.load`` reads ``.npy`` headers with ``ast.literal_eval``; CPython 3.11's AST converter keeps its
    recursion counter per interpreter, so a reply decoded in a calls thread while a check parses could end
    the grading with a spurious SystemError."""
    message = protocol.encode({"value": [np.eye(3), {"nested": np.arange(4)}]})[protocol._HEADER.size:]

    def refuse(*args, **kwargs):
        raise AssertionError("the protocol parsed source")

    monkeypatch.setattr(ast, "parse", refuse)
    decoded = protocol.decode(message)["value"]
    np.testing.assert_array_equal(decoded[0], np.eye(3))
    np.testing.assert_array_equal(decoded[1]["nested"], np.arange(4))


def test_deeply_nested_json_is_a_protocol_error_not_a_crash():
    # json.loads raises RecursionError on deep nesting; uncaught, it ended the worker reading it.
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(b"[" * 200_000 + b"]" * 200_000)


def test_a_write_with_a_deadline_gives_up_when_nobody_reads():
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    try:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            protocol.write_message(write_end, {"data": "x" * 500_000}, time.monotonic() + 0.3)
        assert time.monotonic() - started < 5
    finally:
        os.close(read_end)
        os.close(write_end)
