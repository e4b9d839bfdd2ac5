"""The batch's grading lane (``autograder.batch.lane``): the next row's calls start while a row's checks
run, family by family after the running row's, and checks run one grading at a time. Gradings here are
stand-ins that log what the lane asks of them; ``test_batch.py`` grades real classes through it."""

from __future__ import annotations

import threading
import time

import pytest

from autograder.batch.lane import PER_CALL_FAMILIES, PER_SUBMISSION_FAMILIES, GradingLane


class LoggedGrading:
    """Logs each step the lane takes with it; ``run`` holds until ``finish`` is set."""

    def __init__(self, name: str, log: list, fail_start: bool = False) -> None:
        self.name, self.log, self.fail_start = name, log, fail_start
        self.finish = threading.Event()
        self.running = threading.Event()

    def _note(self, step: str, families=()) -> None:
        self.log.append((self.name, step, tuple(families)))

    def start_calls(self, families) -> None:
        if self.fail_start:
            raise RuntimeError("cannot copy the submission")
        self._note("start_calls", families)

    def wait_for_calls(self, families) -> None:
        self._note("wait_for_calls", families)

    def end_calls(self, families) -> None:
        self._note("end_calls", families)

    def run(self):
        self._note("run")
        self.running.set()
        assert self.finish.wait(30)
        self._note("ran")
        return self.name

    def close(self) -> None:
        self._note("close")


def _in_thread(lane, grading, results):
    thread = threading.Thread(target=lambda: results.__setitem__(grading.name, lane.grade(grading)))
    thread.start()
    return thread


def _wait_for(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the lane did not get there"
        time.sleep(0.01)


def test_the_next_gradings_start_their_calls_family_by_family_while_the_running_one_checks():
    log, results = [], {}
    lane = GradingLane(pool=None)
    first, second, third = (LoggedGrading(name, log) for name in ("first", "second", "third"))
    threads = [_in_thread(lane, first, results)]
    first.running.wait(10)
    threads.append(_in_thread(lane, second, results))
    _wait_for(lambda: ("second", "start_calls", PER_SUBMISSION_FAMILIES) in log)
    threads.append(_in_thread(lane, third, results))
    _wait_for(lambda: ("third", "start_calls", PER_SUBMISSION_FAMILIES) in log)
    time.sleep(0.3)
    # While the first grading checks, the second and then the third have started all their calls, each
    # family only after the grading before had ended its calls of it (and let go of TensorFlow).
    assert log == [
        ("first", "start_calls", PER_CALL_FAMILIES), ("first", "start_calls", PER_SUBMISSION_FAMILIES),
        ("first", "run", ()),
        ("first", "wait_for_calls", PER_CALL_FAMILIES), ("second", "start_calls", PER_CALL_FAMILIES),
        ("first", "wait_for_calls", PER_SUBMISSION_FAMILIES), ("first", "end_calls", PER_SUBMISSION_FAMILIES),
        ("second", "start_calls", PER_SUBMISSION_FAMILIES),
        ("second", "wait_for_calls", PER_CALL_FAMILIES), ("third", "start_calls", PER_CALL_FAMILIES),
        ("second", "wait_for_calls", PER_SUBMISSION_FAMILIES), ("second", "end_calls", PER_SUBMISSION_FAMILIES),
        ("third", "start_calls", PER_SUBMISSION_FAMILIES)]
    first.finish.set()
    second.running.wait(10)
    assert log.index(("second", "run", ())) > log.index(("first", "ran", ()))  # checks one grading at a time
    assert not third.running.is_set()
    second.finish.set()
    third.finish.set()
    for thread in threads:
        thread.join(10)
    assert results == {"first": "first", "second": "second", "third": "third"}
    assert log.index(("third", "run", ())) > log.index(("second", "ran", ()))


def test_a_grading_that_cannot_start_is_closed_and_the_lane_goes_on():
    log, results = [], {}
    lane = GradingLane(pool=None)
    broken = LoggedGrading("broken", log, fail_start=True)
    with pytest.raises(RuntimeError, match="cannot copy"):
        lane.grade(broken)
    assert log == [("broken", "close", ())]
    after = LoggedGrading("after", log)
    after.finish.set()
    _in_thread(lane, after, results).join(10)
    assert results == {"after": "after"}
    assert log.index(("after", "run", ())) > log.index(("broken", "close", ()))
