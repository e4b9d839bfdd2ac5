"""Fixture objects a forking worker builds once, before it forks the children of its calls.

Building a call's model and data from the fixture files is most of a small call (a
torch model 12 of 40 ms, the PDP rows and model 19 of 36 ms, a CLIP model and
processor 140 of 210 ms). A worker that forks a child per call builds them once per
set of files instead; each child then starts from its own copy-on-write copy of
objects that no call has touched, so every call still gets fixtures no other call
changed. The worker never hands them to submission code itself.

The objects are kept by the trusted hashes of the files they come from (in a pool,
every grading's fixture copy has the same hashes), and built through the hash-checked
:class:`autograder.worker.fixtures.FixtureStore`; a child checks its own files against
the same hashes before it uses them, so a changed file is still reported as one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable


class Preloaded:
    """Objects built from fixture ``files`` by ``build()``, once per ``variant`` and set of file hashes."""

    def __init__(self) -> None:
        self._built: dict[tuple, object] = {}

    @staticmethod
    def _key(store, files: Iterable[str], variant) -> tuple:
        return (variant, *sorted((name, store.hashes.get(name)) for name in files))

    def load(self, store, files: Iterable[str], build: Callable[[], object], variant=None) -> None:
        """In the worker, before it forks: ``build()`` unless the objects of these files are kept already."""
        key = self._key(store, files, variant)
        if key not in self._built:
            self._built[key] = build()

    def get(self, store, files: Iterable[str], build: Callable[[], object], variant=None):
        """In a call's child: the worker's objects (this child's own copy), else ``build()`` here.

        Every file is checked against its hash first (a changed file raises ``FixtureError``).
        """
        files = tuple(files)
        for name in files:
            store.path(name)
        key = self._key(store, files, variant)
        return self._built[key] if key in self._built else build()
