"""The results model: what one call, one check and one grading produced.

This is the engine's bottom floor. It holds plain dataclasses with a JSON round trip and
imports neither pytest nor the process manager nor a machine-learning framework: every
front end (terminal, Markdown, GitHub, Gradescope, gradebook, HTML) is a function of
these types, and a ``results.json`` written by one run reads back into the same
:class:`Grade`.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field, fields
from enum import Enum

import numpy as np

SCHEMA_VERSION = 1
# Tasks whose points are reported beside the assignment's points, never added to them: the
# notebooks' auto-checked questions (issue 16).
SEPARATE_TASKS = ("notebooks",)


class CallStatus(str, Enum):
    """How one call of a contract function ended, as the trusted side knows it."""

    OK = "ok"
    RAISED = "raised"
    IMPORT_ERROR = "import_error"
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    FIXTURE_TAMPERED = "fixture_tampered"
    PROTOCOL_ERROR = "protocol_error"
    # The grader's own machinery failed (an adapter bug, a broken case): never the student's fault.
    HARNESS_ERROR = "harness_error"

    @classmethod
    def parse(cls, value) -> "CallStatus":
        """The status a worker claims; anything unknown is a protocol error, never ``ok``."""
        try:
            return cls(value)
        except ValueError:
            return cls.PROTOCOL_ERROR


@dataclass
class Reply:
    """The trusted side's record of one call: the returned value as plain data, what the
    harness observed around the call, the error (type, bases, message, traceback tail)."""

    status: CallStatus
    value: object = None
    value_type: str = ""
    observations: dict = field(default_factory=dict)
    error: dict = field(default_factory=dict)
    output: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status is CallStatus.OK


class Outcome(str, Enum):
    PASSED = "passed"
    FAILED = "failed"
    # The check itself could not run (a harness or case error): no points are taken silently,
    # the grading is incomplete and the CLI exits 3.
    INTERNAL_ERROR = "internal_error"


def _encode_array(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _decode_array(text: str) -> np.ndarray:
    return np.load(io.BytesIO(base64.b64decode(text, validate=True)), allow_pickle=False)


@dataclass
class Attachment:
    """Data a check wants a report to show beside its feedback.

    ``kind`` tells a front end how to draw it (``heatmap``, ``image``, ``curve``, ``bars``,
    ``contour``, ``table``); ``array`` is the data; ``labels`` name bars or axes;
    ``role`` says whose it is (``student``, ``expected``, ``planted``).
    """

    name: str
    kind: str
    array: np.ndarray
    role: str = "student"
    caption: str = ""
    labels: list = field(default_factory=list)

    def __eq__(self, other: object) -> bool:
        # Same data means same shape, dtype and values (NaN equal to NaN): the determinism tests
        # compare two gradings of one submission attachment by attachment.
        if not isinstance(other, Attachment):
            return NotImplemented
        return ((self.name, self.kind, self.role, self.caption, list(self.labels))
                == (other.name, other.kind, other.role, other.caption, list(other.labels))
                and self.array.dtype == other.array.dtype
                and np.array_equal(self.array, other.array, equal_nan=self.array.dtype.kind in "fc"))

    __hash__ = None

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "role": self.role, "caption": self.caption,
                "labels": [str(label) for label in self.labels], "array": _encode_array(self.array)}

    @classmethod
    def from_dict(cls, data: dict) -> "Attachment":
        return cls(name=data["name"], kind=data["kind"], array=_decode_array(data["array"]),
                   role=data.get("role", "student"), caption=data.get("caption", ""),
                   labels=list(data.get("labels", [])))


@dataclass
class CheckResult:
    """One graded check: which contract function it pays for, its points and German feedback."""

    task: str
    function: str
    check: str
    title: str
    max_score: float
    score: float
    outcome: Outcome
    feedback: str
    bonus: bool = False
    seconds: float = 0.0
    # What the submission printed during the check's calls (capped); informational only.
    student_output: str = ""
    # The contract mistake the result matched (a short machine name), when one did.
    mistake: str | None = None
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASSED

    @property
    def internal_error(self) -> bool:
        return self.outcome is Outcome.INTERNAL_ERROR

    def to_dict(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "attachments"}
        data["outcome"] = self.outcome.value
        data["attachments"] = [attachment.to_dict() for attachment in self.attachments]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "CheckResult":
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["outcome"] = Outcome(values["outcome"])
        values["attachments"] = [Attachment.from_dict(item) for item in data.get("attachments", [])]
        return cls(**values)


@dataclass
class Metadata:
    """Who and what was graded, by which engine, under which isolation."""

    submission: str = ""
    student: str = ""
    repository: str = ""
    commit: str = ""
    commit_date: str = ""
    engine_version: str = ""
    suites_hash: str = ""
    # "namespaces" (authoritative), or "processes" when the machine offered no namespaces.
    isolation: str = ""
    # "fixed" (the suites' own cases) or the label of a fresh draw (autograder.engine.fresh), never its seed.
    cases: str = ""

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict) -> "Metadata":
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass
class Override:
    """An instructor's manual correction: ``points`` replace what grading gave ``target``
    (a contract function or a single check)."""

    target: str
    points: float
    reason: str = ""

    def to_dict(self) -> dict:
        return {"target": self.target, "points": self.points, "reason": self.reason}

    @classmethod
    def from_dict(cls, data: dict) -> "Override":
        return cls(str(data["target"]), float(data["points"]), str(data.get("reason", "")))


@dataclass
class Subtotal:
    name: str
    score: float
    max_score: float
    bonus_score: float
    bonus_max: float


@dataclass
class Grade:
    """One grading of one submission: every check's result plus how the run went."""

    tasks: list[str]
    results: list[CheckResult] = field(default_factory=list)
    metadata: Metadata = field(default_factory=Metadata)
    seconds: float = 0.0
    import_seconds: dict = field(default_factory=dict)
    # Protected files changed since the release (see autograder.engine.manifest); never affects points.
    tampered: list = field(default_factory=list)
    # Manual corrections, applied on top of the engine's scores (never by the engine itself).
    overrides: list[Override] = field(default_factory=list)

    @property
    def score(self) -> float:
        return _round(sum(result.score for result in self.results))

    @property
    def max_score(self) -> float:
        return _round(sum(result.max_score for result in self.results if not result.bonus))

    @property
    def bonus_score(self) -> float:
        return _round(sum(result.score for result in self.results if result.bonus))

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0

    @property
    def complete(self) -> bool:
        """False when a check could not run: the score is then not a grade."""
        return not any(result.internal_error for result in self.results)

    def function_scores(self) -> dict[tuple[str, str], float]:
        """Points per ``(task, function)`` after the overrides: a check override replaces that check's
        score, a function override the function's total."""
        by_check = {override.target: override.points for override in self.overrides}
        totals: dict[tuple[str, str], float] = {}
        for result in self.results:
            key = (result.task, result.function)
            totals[key] = totals.get(key, 0.0) + by_check.get(result.check, result.score)
        for key in totals:
            if key[1] in by_check:
                totals[key] = by_check[key[1]]
        return {key: _round(value) for key, value in totals.items()}

    @property
    def final_score(self) -> float:
        """The score with the overrides applied (bonus included, as :attr:`score`)."""
        return _round(sum(self.function_scores().values())) if self.overrides else self.score

    def part(self, tasks) -> "Grade":
        """The results of ``tasks`` only, with this grade's metadata, overrides and timing: e.g. the
        hidden suites' points apart from the notebooks' (``SEPARATE_TASKS``)."""
        wanted = set(tasks)
        return Grade(tasks=[task for task in self.tasks if task in wanted],
                     results=[result for result in self.results if result.task in wanted], metadata=self.metadata,
                     seconds=self.seconds, import_seconds=self.import_seconds, tampered=self.tampered,
                     overrides=self.overrides)

    def without_separate(self) -> "Grade":
        """This grade without the tasks whose points stay apart (:data:`SEPARATE_TASKS`)."""
        return self.part([task for task in self.tasks if task not in SEPARATE_TASKS])

    def subtotals(self, key: str) -> list[Subtotal]:
        """Points per ``task`` or per ``function``, in the order the results first name them."""
        totals: dict[str, list[float]] = {}
        for result in self.results:
            name = getattr(result, key)
            entry = totals.setdefault(name, [0.0, 0.0, 0.0, 0.0])
            if result.bonus:
                entry[2] += result.score
                entry[3] += result.max_score
            else:
                entry[0] += result.score
                entry[1] += result.max_score
        return [Subtotal(name, *map(_round, values)) for name, values in totals.items()]

    def to_dict(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "metadata": self.metadata.to_dict(),
            "tasks": list(self.tasks),
            "seconds": self.seconds,
            "import_seconds": dict(self.import_seconds),
            "tampered": list(self.tampered),
            "overrides": [override.to_dict() for override in self.overrides],
            "results": [result.to_dict() for result in self.results],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Grade":
        """Read back :meth:`to_dict` or a ``results.json`` (whose checks sit under ``tests``)."""
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(f"results schema version {version!r}, this engine reads {SCHEMA_VERSION}")
        entries = data["results"] if "results" in data else data["tests"]
        return cls(tasks=list(data["tasks"]), results=[CheckResult.from_dict(item) for item in entries],
                   metadata=Metadata.from_dict(data.get("metadata", {})), seconds=float(data.get("seconds", 0.0)),
                   import_seconds=dict(data.get("import_seconds", {})), tampered=list(data.get("tampered", [])),
                   overrides=[Override.from_dict(item) for item in data.get("overrides", [])])


def _round(value: float) -> float:
    """Sums of fractional points without float noise (3.0000000000000004 shows as 0 in some exports)."""
    return round(float(value), 6)
