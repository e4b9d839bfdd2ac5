"""Stands in for ``sklearn/inspection/_partial_dependence.py`` in the worker's view.

The contract forbids scikit-learn's partial dependence inside ``xai_lab/pdp.py``; this
file keeps ``sklearn.inspection`` importable and refuses every call with German feedback.
"""

FORBIDDEN = True


class ForbiddenShortcut(RuntimeError):
    """A library function the contract says the student must write themselves."""


def _refuse():
    raise ForbiddenShortcut(
        "scikit-learns partial_dependence (auch PartialDependenceDisplay) steht beim Bewerten nicht "
        "zur Verfügung. Die Partial Dependence muss deine eigene Berechnung sein (Gitter wählen, Spalte "
        "setzen, vorhersagen, mitteln).")


def partial_dependence(*args, **kwargs):
    _refuse()


def _partial_dependence_brute(*args, **kwargs):
    _refuse()


def _partial_dependence_recursion(*args, **kwargs):
    _refuse()


def _grid_from_X(*args, **kwargs):
    _refuse()
