"""Replacements for library modules the contract forbids, bound over the originals' files in
the worker's view (see ``autograder.engine.sandbox.FORBIDDEN_FILES``).

They are plain files, not run-time patches: ``importlib.reload``, a closure or a fresh
import finds the same refusing code, because the original code is not in the view.
"""

MESSAGE = ("{name} von scikit-learn ist in dieser Aufgabe nicht verfügbar: die Partial Dependence "
           "muss deine eigene Berechnung sein (Gitter wählen, Spalten setzen, vorhersagen, mitteln).")


class ForbiddenShortcut(RuntimeError):
    """A library function the contract says the student must write themselves."""
