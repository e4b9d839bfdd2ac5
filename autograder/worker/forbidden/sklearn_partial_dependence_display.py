"""Stands in for ``sklearn/inspection/_plot/partial_dependence.py`` in the worker's view."""

FORBIDDEN = True


class ForbiddenShortcut(RuntimeError):
    """A library function the contract says the student must write themselves."""


def _refuse():
    raise ForbiddenShortcut(
        "scikit-learns partial_dependence (auch PartialDependenceDisplay) steht beim Bewerten nicht "
        "zur Verfügung. Die Partial Dependence muss deine eigene Berechnung sein (Gitter wählen, Spalte "
        "setzen, vorhersagen, mitteln).")


class PartialDependenceDisplay:
    """Refuses to be built or used: the contract's plot draws the student's own values."""

    def __init__(self, *args, **kwargs):
        _refuse()

    @classmethod
    def from_estimator(cls, *args, **kwargs):
        _refuse()
