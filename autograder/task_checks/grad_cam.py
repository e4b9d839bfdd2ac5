"""The planted truths of the Grad-CAM fixture, as the hidden checks and a fresh draw's margin check read them.

``fixtures/grad_cam/tiny_cnn.py`` paints each input from a layout: parts of a kind
(``red``, ``blue``, ``green``, ``purple`` squares, vertical ``stripes``, a horizontal-stripe
``decoy``) in regions. The model's evidence for a class lies in its part, so a correct map
is brightest there. A case's ``input`` is a fixed input's name or a drawn layout
(``{"name", "background", "parts": [[kind, row_start, row_stop, col_start, col_stop], ...]}``).
The fixed regions are written out here so the trusted process need not import torch; a
project test keeps them equal to the fixture's.
"""

from __future__ import annotations

import numpy as np

# The planted regions of the fixed inputs (rows, columns).
RED = (slice(4, 22), slice(4, 26))
BLUE = (slice(28, 44), slice(40, 60))
ZEBRA_STRIPES = (slice(22, 44), slice(36, 60))
ZEBRA_DECOY = (slice(22, 44), slice(4, 28))
FIXED_REGIONS = {"planted": {"red": RED, "blue": BLUE}, "zebra": {"stripes": ZEBRA_STRIPES, "decoy": ZEBRA_DECOY}}

# (case, the part where its class's evidence lies, a part that holds none of it)
PLANTED_TRUTHS = (("cam_class_235", "red", "blue"), ("cam_class_208", "blue", "red"),
                  ("cam_zebra_class_340", "stripes", "decoy"))
# How much brighter the own part must be on average than the other one.
LEAD = 0.3


def region(layout, kind: str) -> tuple[slice, slice]:
    """Where part ``kind`` lies on input ``layout`` (a fixed input's name or a drawn layout)."""
    if isinstance(layout, str):
        return FIXED_REGIONS[layout][kind]
    r0, r1, c0, c1 = next(part[1:] for part in layout["parts"] if part[0] == kind)
    return slice(r0, r1), slice(c0, c1)


def peaks_in(cam: np.ndarray, own, other, lead: float = LEAD) -> bool:
    """The map is brightest in ``own`` and brighter there on average than in ``other`` by ``lead``."""
    peak = np.unravel_index(np.argmax(cam), cam.shape)
    inside = all(part.start <= index < part.stop for part, index in zip(own, peak))
    return inside and cam[own].mean() > cam[other].mean() + lead


def rows_columns(part: tuple[slice, slice]) -> str:
    """A region in German, with inclusive ends as a student counts them."""
    return f"Zeilen {part[0].start}–{part[0].stop - 1}, Spalten {part[1].start}–{part[1].stop - 1}"
