"""How a process ended, in the words feedback uses (shared by the worker and the trusted side)."""

from __future__ import annotations

import signal


def describe(returncode: int) -> str:
    """``SIGSEGV`` for a negative (signal) return code, ``Exit-Code 3`` otherwise."""
    if returncode < 0:
        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return f"Signal {-returncode}"
    return f"Exit-Code {returncode}"
