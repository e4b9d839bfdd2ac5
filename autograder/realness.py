"""What counts as a real result of a contract function.

Format, side-effect and argument-error checks pay only alongside a real result of the
same function. Without that rule a function that computes nothing (a constant map, the
input returned unchanged, uniform scores, zeros on the right grid) or raises on every
call collects their points: it has the right type and shape, changes nothing and raises
where it should.

A result is *real* when, on at least one of the function's probe cases, it

- passes the planted ground truth of that case (what the fixture model demonstrably
  does, independent of any implementation), or
- matches the reference's result within a loose bound (loose enough for every
  allowed variation and for small slips, far from anything that ignores the model), or
- matches the stored output of a listed mistake (the reference with one contract
  mistake built in), where that output is itself informative (not constant).

So a real but wrong result keeps its format and side-effect points: one side mistake
never costs more than half of a function's points. The suites choose the probe cases
so that the cheap fakes of each task fail all three tests: the probes need what only
the model computes (e.g. the zebra stripes of the Grad-CAM fixture, which no colour
mask or blurred input finds).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from autograder.model import Reply
from autograder.suite import explain_reply, fail


@dataclass(frozen=True)
class Probe:
    """One probe case of a function and the suite's test of a reply to it (any of the three criteria)."""

    case: str
    real: Callable[[Reply], bool]


def is_real(call, probes: Sequence[Probe], needed: int = 1) -> bool:
    return sum(_passes(probe, call(probe.case)) for probe in probes) >= needed


def _passes(probe: Probe, reply: Reply) -> bool:
    if not reply.ok:
        return False
    try:
        return bool(probe.real(reply))
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):
        return False  # a result the comparison cannot even read is not real


def require_real(call, function: str, probes: Sequence[Probe], what: str, needed: int = 1,
                 recognise: Callable[[str, Reply], None] | None = None) -> None:
    """Fail unless ``function`` gives a real result on at least ``needed`` of ``probes``.

    ``what`` says in German what a real result shows on the probes. Otherwise
    ``recognise(case, reply)`` may fail naming a listed mistake a probe's reply shows
    (one whose result raises, say); when every probe call failed, the feedback explains the
    first failure (e.g. "noch nicht implementiert"), so a function that only raises is
    told why. A function whose probes are easy to hit by chance (two tokens of a short
    text) needs several of them.
    """
    replies = [call(probe.case) for probe in probes]
    if sum(_passes(probe, reply) for probe, reply in zip(probes, replies)) >= needed:
        return
    if recognise is not None:
        for probe, reply in zip(probes, replies):
            recognise(probe.case, reply)
    failed = [reply for reply in replies if not reply.ok]
    if len(failed) == len(replies):
        fail(explain_reply(failed[0], function))
    fail(f"Diese Prüfung zählt nur zusammen mit einem echten Ergebnis von `{function}`, und das fehlt: {what} "
         "Format, Nebenwirkungen und Fehlermeldungen bringen erst Punkte, wenn die Funktion wirklich rechnet.")
