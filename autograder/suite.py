"""What a hidden check suite imports: the ``check`` marker and German failure helpers.

A check is a pytest test in ``tests/hidden/<task>/``. It asks the worker for the
submission's result on a named case (fixture ``call``), compares it in the trusted
process with the reference's result (fixture ``expected``) or a planted ground
truth, and fails with German feedback through :func:`fail` / :func:`expect`.

A check pays for one contract function and calls only that function's cases. When a
result matches one of the listed mistakes (their outputs are stored with the
reference's, see :mod:`autograder.engine.expected`), the failure names it
(:class:`Mistakes`, ``mistake=`` on :func:`fail`); otherwise the feedback says what
differs, where and by how much, without guessing a cause. Format, side-effect and
argument-error checks pay only alongside a real result (:mod:`autograder.realness`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NoReturn

import pytest

from autograder.model import Reply


_fixtures_dir: Path | None = None


def use_fixtures(directory: Path) -> None:
    """Called by the engine's plugin before it collects a suite: the trusted fixture files of this grading."""
    global _fixtures_dir
    _fixtures_dir = Path(directory)


def trusted_fixtures() -> Path:
    """The trusted fixture files the engine passed to this grading (``grade(fixtures=...)``), for helpers
    that read planted truth or data without a check's ``fixtures_dir`` at hand; never the worker's copy."""
    if _fixtures_dir is None:
        raise RuntimeError("no grading is running: the engine sets the fixture directory")
    return _fixtures_dir


def hold_cases(case_data: dict, data: dict, texts: dict, describe: Callable[[str], str]) -> None:
    """Fill a check module's tables with this grading's cases (``data``) and their German descriptions
    (``texts``, by ``describe(case)``), from the ``case_data`` fixture.

    A fresh draw (:mod:`autograder.engine.fresh`) moves a suite's inputs, so the descriptions are made
    per grading. Every helper of a check module names its case in the feedback; they read these module
    tables instead of each taking the cases as one more argument. A grading imports the check modules
    afresh and runs its checks one at a time, and an autouse fixture calls this before each check.
    """
    data.clear()
    data.update(case_data)
    texts.clear()
    texts.update({case: describe(case) for case in case_data})


def check(points: float, *, function: str, title: str, bonus: bool = False):
    """Mark a test as a graded check worth ``points`` about contract ``function``."""
    return pytest.mark.check(points=points, function=function, title=title, bonus=bonus)


class CheckFailed(AssertionError):
    """A check failed; the message is the German feedback the student sees.

    ``mistake`` is the short machine name of a listed mistake the result was
    recognised as (``"no_relu"``), or ``None``.
    """

    def __init__(self, message: str, mistake: str | None = None) -> None:
        super().__init__(message)
        self.mistake = mistake

    def __str__(self) -> str:
        return str(self.args[0])


def fail(message: str, *, mistake: str | None = None) -> NoReturn:
    raise CheckFailed(message, mistake)


def expect(condition, message: str, *, mistake: str | None = None) -> None:
    if not condition:
        fail(message, mistake=mistake)


@dataclass(frozen=True)
class Mistake:
    """A listed mistake as the student reads about it: ``label`` names it ("Grad-CAM ohne
    ReLU"), ``hint`` says how the contract wants it instead."""

    label: str
    hint: str


class Mistakes:
    """The listed mistakes of one function, and how a result is recognised as one of them.

    ``subject`` starts the German sentence that names a mistake ("Die Karte" gives
    "Die Karte entspricht Grad-CAM ohne ReLU: ..."). ``same(reply, stored)`` says whether
    a reply is the stored output of a mistake (``{"status": "ok", "value": ...}`` or
    ``{"status": "raised", "error_type": ...}``) within the check's tolerance.
    """

    def __init__(self, table: dict[str, Mistake], subject: str,
                 same: Callable[[Reply, dict], bool] | None = None) -> None:
        self.table, self.subject, self.same = table, subject, same

    def label(self, name: str) -> str:
        return self.table[name].label

    def fail(self, name: str, detail: str = "") -> NoReturn:
        """Fail naming mistake ``name``; ``detail`` says where it showed."""
        mistake = self.table[name]
        where = f" ({detail})" if detail else ""
        fail(f"{self.subject} stimmt mit dem bekannten Fehler „{mistake.label}“ überein{where}. {mistake.hint}",
             mistake=name)

    def observed(self, name: str, message: str) -> NoReturn:
        """Fail naming mistake ``name`` for something observed around the call (hooks, mutated inputs);
        ``message`` says what was observed, the mistake's hint follows."""
        mistake = self.table[name]
        fail(f"Fehler „{mistake.label}“: {message} {mistake.hint}", mistake=name)

    def recognise(self, expected, case: str, reply: Reply, reply_of: Callable[[str], Reply]) -> str | None:
        """The listed mistake whose stored output ``reply`` is on ``case``, or ``None``.

        Several mistakes can give the same output on one case. A candidate counts only if
        the submission gives that mistake's result on every case of the same function where
        any candidate changes the result: its stored output there, or the reference's
        where it changes nothing (``reply_of(case)`` fetches those replies, cached; a check
        never calls another function). An ambiguous match names nothing.
        """
        if self.same is None:
            return None
        stored = expected.mistakes_on(case)
        candidates = [name for name in self.table if name in stored and _safe_same(self.same, reply, stored[name])]
        function = expected.case_function(case)
        telling = sorted({other for name in candidates for other in expected.mistakes.get(name, {})
                          if other != case and expected.case_function(other) == function})
        consistent = []
        for name in candidates:
            outputs = expected.mistakes.get(name, {})
            if all(_safe_same(self.same, reply_of(other), outputs.get(other) or expected.reference_output(other))
                   for other in telling):
                consistent.append(name)
        return consistent[0] if len(consistent) == 1 else None

    def fail_if_recognised(self, expected, case: str, reply: Reply, reply_of: Callable[[str], Reply],
                           detail: str = "") -> None:
        name = self.recognise(expected, case, reply, reply_of)
        if name is not None:
            self.fail(name, detail)

    def recogniser(self, expected, call, case_text: dict[str, str]) -> Callable[[str, Reply], None]:
        """``recognise`` for :func:`autograder.realness.require_real`: fail naming the mistake a reply shows."""
        return lambda case, reply: self.fail_if_recognised(expected, case, reply, call, case_text.get(case, case))


def _safe_same(same, reply: Reply, stored: dict) -> bool:
    """``same``, where a result the comparison cannot handle simply does not match."""
    try:
        return bool(same(reply, stored))
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):
        return False


def same_error(reply: Reply, stored: dict) -> bool:
    """Whether ``reply`` raised what the stored output of a mistake raised."""
    return stored["status"] == "raised" and reply.status == "raised" and reply.error.get("type") == stored["error_type"]


def _shorten(text: str, limit: int = 600) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _seconds(value: float) -> str:
    """A time limit in German notation: ``30``, ``0,3`` (a limit under a second is never shown as 0)."""
    return f"{value:g}".replace(".", ",")


def explain_reply(reply: Reply, function: str) -> str:
    """German explanation of a call that did not return normally."""
    error = reply.error
    if reply.status == "raised" and error.get("type") == "NotImplementedError":
        return f"`{function}` ist noch nicht implementiert (NotImplementedError)."
    if reply.status == "raised" and error.get("type") == "SystemExit":
        return f"`{function}` hat `sys.exit()` aufgerufen. Eine Funktion darf das Programm nicht beenden."
    if reply.status == "raised":
        where = f"\n{_shorten(error.get('traceback', ''))}" if error.get("traceback") else ""
        return f"`{function}` hat eine Ausnahme ausgelöst: {error.get('type')}: {_shorten(error.get('message', ''), 300)}{where}"
    if reply.status == "import_error":
        return (f"Das Modul konnte nicht importiert werden: {error.get('type')}: "
                f"{_shorten(error.get('message', ''), 300)}\n{_shorten(error.get('traceback', ''))}")
    if reply.status == "timeout" and error.get("during") == "import":
        return (f"Schon der Import des Moduls hat das Zeitlimit von {_seconds(reply.seconds)} s überschritten "
                "(Code auf Modulebene, der nicht endet?). Keine Funktion des Moduls konnte geprüft werden.")
    if reply.status == "timeout":
        return f"`{function}` hat das Zeitlimit von {_seconds(reply.seconds)} s überschritten (Endlosschleife?)."
    if reply.status == "crashed" and error.get("during") == "import":
        return (f"Der Prozess ist schon beim Import des Moduls abgestürzt ({error.get('signal', 'unbekannt')}), "
                "z. B. durch `os._exit` auf Modulebene. Keine Funktion des Moduls konnte geprüft werden.")
    if reply.status == "crashed":
        return (f"Der Prozess ist während `{function}` abgestürzt ({error.get('signal', 'unbekannt')}), "
                "z. B. durch `os._exit`, einen Segfault oder zu viel Speicher.")
    if reply.status == "fixture_tampered":
        return ("Die Testdaten (Fixtures) wurden während der Bewertung verändert, das Ergebnis wird verworfen. "
                "Der Code darf keine Dateien außerhalb des eigenen Arbeitsverzeichnisses schreiben.")
    if reply.status == "protocol_error":
        return "Der Prozess hat unlesbare Daten an den Grader gesendet; Ergebnis verworfen."
    return f"Interner Fehler der Prüfung ({reply.status}): {_shorten(str(error))}"


def value_of(reply: Reply, function: str):
    """The returned value of a successful call; otherwise fail with an explanation."""
    if not reply.ok:
        fail(explain_reply(reply, function))
    if isinstance(reply.value, dict) and "unsupported_type" in reply.value:
        fail(f"`{function}` hat ein Objekt vom Typ {reply.value['unsupported_type']} zurückgegeben, "
             "das nicht ausgewertet werden kann.")
    return reply.value


def max_abs_interior(actual, expected, border: int) -> float:
    """Largest difference away from a ``border`` of pixels.

    Resize libraries differ only in how they extend a map past its edge (scikit-image
    reflects, torch and OpenCV clamp), which the contract allows; inside, bilinear
    resizes agree to 1e-7.
    """
    import numpy as np

    inner = (slice(border, -border), slice(border, -border)) if border else (slice(None), slice(None))
    return float(np.max(np.abs(np.asarray(actual, dtype=np.float64)[inner] - np.asarray(expected, dtype=np.float64)[inner])))


def numeric_array(value, *, kinds: str = "fiu", shape: tuple[int, ...] | None = None, finite: bool = False):
    """``value`` as a float64 array if it is an ``np.ndarray`` of a dtype kind in ``kinds`` (of
    ``shape`` and all finite, where asked), else ``None``: a returned or stored array that the
    comparisons can take."""
    import numpy as np

    if not isinstance(value, np.ndarray) or value.dtype.kind not in kinds or shape not in (None, value.shape):
        return None
    array = np.asarray(value, dtype=np.float64)
    return None if finite and not np.isfinite(array).all() else array


def expect_model_unchanged(seen: dict, function: str) -> None:
    """Fail unless the observations around a call (:mod:`autograder.worker.calls.torch_state`) show the
    torch model as the caller passed it: no ``.grad`` left, ``requires_grad``, train/eval mode, weights
    and ``model.config`` unchanged, no hook left."""
    expect(not seen.get("params_with_grad"),
           f"Nach `{function}` haben Parameter ein .grad (z. B. durch `.backward()`): "
           "nutze `torch.no_grad()` bzw. `torch.autograd.grad`.")
    expect(not seen.get("requires_grad_changed"),
           f"`{function}` hat `requires_grad` von Parametern verändert ({len(seen.get('requires_grad_changed', []))} "
           "Parameter): das Modell gehört dem Aufrufer – nutze `torch.no_grad()` statt die Gewichte einzufrieren.")
    expect(not seen.get("train_mode_changed"), f"`{function}` hat den train/eval-Modus des Modells verändert.")
    expect(not seen.get("state_changed"), f"Gewichte des Modells wurden verändert: {seen.get('state_changed')}")
    expect(seen.get("hooks_added") == 0,
           f"Nach `{function}` sind {seen.get('hooks_added')} Hook(s) am Modell registriert: entferne sie "
           "(`handle.remove()` in einem finally-Block).")
    expect(not seen.get("config_changed"),
           f"`{function}` hat `model.config` verändert (z. B. `output_attentions`): übergib "
           "`output_attentions=True` beim Aufruf, statt die Konfiguration des Modells zu ändern.")


def expect_value_error(reply: Reply, function: str, what: str, *,
                       before_failing: Callable[[], None] = lambda: None) -> None:
    """The call must have raised ``ValueError`` (or a subclass) for ``what``; where it did not,
    ``before_failing`` runs first (the hidden checks name a listed mistake there)."""
    if not (reply.status == "raised" and "ValueError" in reply.error.get("bases", [])):
        before_failing()
    if reply.status == "raised" and reply.error.get("type") == "NotImplementedError":
        fail(explain_reply(reply, function))
    if reply.status == "raised":
        received = reply.error.get("type")
    elif reply.ok:
        received = "kein Fehler"
    else:
        fail(explain_reply(reply, function))
    expect("ValueError" in reply.error.get("bases", []),
           f"Für {what} muss ein ValueError ausgelöst werden (erhalten: {received}).")


def expect_value_errors(reply_of: Callable[[str], Reply], function: str, cases: dict[str, str]) -> None:
    """Every case of ``cases`` (its name: what is wrong with it, in German) must raise ``ValueError``;
    ``reply_of`` makes the call of a case."""
    for case, what in cases.items():
        expect_value_error(reply_of(case), function, what)
