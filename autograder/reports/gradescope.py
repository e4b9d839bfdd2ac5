"""``results.json``: Gradescope's schema, extended with the results model so it reads back.

Top level: ``score`` (bonus included, as Gradescope shows extra credit), ``max_score``
(without bonus), ``output``, ``execution_time`` and ``tests[]`` with ``name``, ``score``,
``max_score``, ``status`` (``passed``/``failed``), ``output`` (the German feedback).
Every test also carries the model's own fields, and the top level the model's metadata,
so :func:`read_results` rebuilds the :class:`~autograder.model.Grade`. Tasks graded apart
(``SEPARATE_TASKS``: the notebooks) are left out of ``score`` and ``max_score`` and reported
beside them (``notebooks_score``, ``notebooks_max_score``).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from autograder.model import SEPARATE_TASKS, Grade
from autograder.reports.common import neutralise


def to_gradescope(grade: Grade) -> dict:
    model = grade.to_dict()
    tests = []
    for result, own in zip(grade.results, model.pop("results")):
        own["feedback"] = neutralise(own["feedback"])
        own["student_output"] = neutralise(own["student_output"])
        tests.append({
            "name": f"{result.task} · {result.function}: {result.title}",
            "status": "passed" if result.passed else "failed",
            "output": own["feedback"],
            **own,
        })
    counted = grade.without_separate()
    separate = {f"{task}_score": grade.part([task]).score for task in grade.tasks if task in SEPARATE_TASKS}
    separate.update({f"{task}_max_score": grade.part([task]).max_score
                     for task in grade.tasks if task in SEPARATE_TASKS})
    # score and max_score are the assignment's; the notebooks' points stand beside them.
    return {"score": counted.score, "max_score": counted.max_score, **separate,
            "output": f"Bewertet: {', '.join(grade.tasks)}", "execution_time": grade.seconds, "tests": tests, **model}


def as_json(grade: Grade) -> str:
    return json.dumps(to_gradescope(grade), indent=2, ensure_ascii=False) + "\n"


def write_results(grade: Grade, path: Path) -> None:
    """Write atomically, so the file is always the engine's complete result."""
    write_atomically(Path(path), as_json(grade))


def read_results(path: Path) -> Grade:
    return Grade.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
