"""Stands in for ``sklearn/inspection/_plot/partial_dependence.py`` in the worker's view."""

from autograder.worker.forbidden import MESSAGE, ForbiddenShortcut

FORBIDDEN = True


class PartialDependenceDisplay:
    """Refuses to be built or used: the contract's plot draws the student's own values."""

    def __init__(self, *args, **kwargs):
        raise ForbiddenShortcut(MESSAGE.format(name="PartialDependenceDisplay"))

    @classmethod
    def from_estimator(cls, *args, **kwargs):
        raise ForbiddenShortcut(MESSAGE.format(name="PartialDependenceDisplay"))
