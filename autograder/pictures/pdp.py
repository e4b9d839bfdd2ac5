"""Partial dependence curves and contours."""

from __future__ import annotations

import numpy as np

from autograder.model import Attachment
from autograder.pictures import drawable


def pictures(case_name: str, case: dict, reply, fixtures) -> list[Attachment]:
    value = reply.value
    if not isinstance(value, list):
        return []
    if case["function"] == "partial_dependence_1d" and len(value) == 2:
        grid, average = drawable(value[0], (1,)), drawable(value[1], (1,))
        if grid is None or average is None or grid.size != average.size:
            return []
        return [Attachment(case_name, "curve", np.stack([grid, average]), "student",
                           f"PDP von {case.get('feature')}", [str(case.get("feature"))])]
    if case["function"] == "partial_dependence_2d" and len(value) == 3:
        grid_1, grid_2, average = drawable(value[0], (1,)), drawable(value[1], (1,)), drawable(value[2], (2,))
        if grid_1 is None or grid_2 is None or average is None or average.shape != (grid_1.size, grid_2.size):
            return []
        features = [str(name) for name in case.get("features", [])]
        return [Attachment(case_name, "contour", average, "student", " × ".join(features), features)]
    return []
