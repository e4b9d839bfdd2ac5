"""What a hidden check suite imports: the ``check`` marker and German failure helpers.

A check is a pytest test in ``tests/hidden/<task>/``. It asks the worker for the
submission's result on a named case (fixture ``call``), compares it in the trusted
process with the reference's result (fixture ``expected``) or a planted ground
truth, and fails with German feedback through :func:`fail` / :func:`expect`.
"""

from __future__ import annotations

import pytest

from autograder.model import Reply


def check(points: float, *, function: str, title: str, bonus: bool = False):
    """Mark a test as a graded check worth ``points`` about contract ``function``."""
    return pytest.mark.check(points=points, function=function, title=title, bonus=bonus)


class CheckFailed(AssertionError):
    """A check failed; the message is the German feedback the student sees."""


def fail(message: str):
    raise CheckFailed(message)


def expect(condition, message: str) -> None:
    if not condition:
        fail(message)


def _shorten(text: str, limit: int = 600) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
        return (f"Schon der Import des Moduls hat das Zeitlimit von {reply.seconds:.0f} s überschritten "
                "(Code auf Modulebene, der nicht endet?). Keine Funktion des Moduls konnte geprüft werden.")
    if reply.status == "timeout":
        return f"`{function}` hat das Zeitlimit von {reply.seconds:.0f} s überschritten (Endlosschleife?)."
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


def expect_value_error(reply: Reply, function: str, what: str) -> None:
    """The call must have raised ``ValueError`` (or a subclass) for ``what``."""
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
