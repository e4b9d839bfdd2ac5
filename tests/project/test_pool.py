"""Warm pooled workers (issue 14, item 5): one pool grades many submissions, each as a fresh
grading would, and each call sees only its own grading's workspace."""

from __future__ import annotations

import json
import re
import time

from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest

from autograder.engine.expected import load_cases
from autograder.engine.grading import FIXTURES, SUITES, grade
from autograder.engine.runner import SubmissionRunner
from autograder.engine.sandbox import NAMESPACES, NOBODY, PROCESSES, isolation_level
from autograder.worker.hugepages import anonymous_regions
from tests.project.conftest import POOLED_HANG_LIMITS
from tests.project.editing import ASSIGNMENTS, SOLUTIONS, Edit, Submission, build
from tests.project.hostile_submissions import HOSTILE, leaves_processes, view_probe
from tests.project.pooling import without_timings

needs_namespaces = pytest.mark.skipif(isolation_level() == PROCESSES, reason="needs namespaces")


def pool_tree(pool) -> dict[str, list[int]]:
    """Each pooled worker's process and all its descendants, by family."""
    tree = {}
    for family, pid in pool.pids().items():
        process = psutil.Process(pid)
        tree[family] = sorted([pid, *(child.pid for child in process.children(recursive=True))])
    return tree


def test_a_pool_grades_two_submissions_as_fresh_gradings_do(worker_pool, reference_grade, stub_grade):
    reference = grade(SOLUTIONS, ["grad_cam"], pool=worker_pool)
    # The pool is the session's: other modules may have used (and restarted) it before.
    tree, starts = pool_tree(worker_pool), dict(worker_pool.starts)
    stubs = grade(ASSIGNMENTS, ["grad_cam"], pool=worker_pool)
    assert without_timings(reference) == without_timings(reference_grade)
    assert without_timings(stubs) == without_timings(stub_grade)
    assert reference.score > stubs.score
    # The same warm worker served both (its imports paid once), and no call left a process behind.
    assert pool_tree(worker_pool) == tree and worker_pool.starts == starts
    assert reference.import_seconds == stubs.import_seconds and reference.import_seconds["torch"] > 0


def test_the_tensorflow_task_is_served_by_one_warm_pooled_worker(worker_pool):
    """Pooled and fresh gradings of the reference agree on every task (``test_reference_and_stubs.py``);
    here: TensorFlow's pooled worker serves a second grading without a new import."""
    first = grade(SOLUTIONS, ["counterfactual"], pool=worker_pool)
    starts = dict(worker_pool.starts)
    second = grade(SOLUTIONS, ["counterfactual"], pool=worker_pool)
    assert without_timings(first) == without_timings(second)
    assert first.score == first.max_score > 0
    assert worker_pool.starts == starts and starts["tensorflow"] >= 1
    assert second.import_seconds == first.import_seconds and first.import_seconds["tensorflow"] > 0


def _counterfactual_naming_its_process(name: str, seconds: str, crash_at_small_budget: bool = False) -> Submission:
    """The reference's counterfactual that prints its process id and leaves a ``sleep SECONDS`` running
    at every call; optionally it crashes (SIGSEGV) on the small-budget case (``steps=10``)."""
    first = "original = _checked_image(image)"
    extra = ("print('PID', os.getpid(), flush=True)\n"
             f"    subprocess.Popen(['sleep', {seconds!r}], start_new_session=True)\n")
    if crash_at_small_budget:
        extra += "    if steps == 10:\n        os.kill(os.getpid(), signal.SIGSEGV)\n"
    return Submission(name, "counterfactual", (Edit("generate_counterfactual", first, extra + "    " + first),),
                      at_import="import os, signal, subprocess\n")


def _processes(result) -> list[int]:
    return [int(pid) for check in result.results for pid in re.findall(r"PID (\d+)", check.student_output)]


def _processes_of(reply) -> set[int]:
    return {int(pid) for pid in re.findall(r"PID (\d+)", reply.output)}


def test_a_tensorflow_grading_runs_in_one_child_that_ends_with_it(worker_pool, tmp_path):
    """TensorFlow's calls of one grading share one child (``SubmissionChild``); the grading's end kills it
    and all it started, the next grading gets a new one, and a crash costs only the crashing call."""
    grade(SOLUTIONS, ["counterfactual"], pool=worker_pool)  # the pool is warm
    tree, starts = pool_tree(worker_pool), dict(worker_pool.starts)
    seconds = f"{700 + time.time_ns() % 1000}.25"
    honest = build(_counterfactual_naming_its_process("names_its_process", seconds), tmp_path / "honest")
    first, second = (grade(honest, ["counterfactual"], pool=worker_pool) for _ in range(2))
    for result in (first, second):
        assert result.score == result.max_score > 0, [(r.check, r.feedback) for r in result.results if not r.passed]
        assert len(_processes(result)) >= 10 and len(set(_processes(result))) == 1
    assert set(_processes(first)) != set(_processes(second))
    assert pool_tree(worker_pool) == tree  # the child and what it started ended with each grading
    assert not [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", seconds]]

    crashing = build(_counterfactual_naming_its_process("crashes_once", seconds, crash_at_small_budget=True),
                     tmp_path / "crashing")
    result = grade(crashing, ["counterfactual"], pool=worker_pool)
    lost = [r for r in result.results if not r.passed]
    assert lost and all("abgestürzt" in r.feedback or "SIGSEGV" in r.feedback for r in lost), \
        [(r.check, r.feedback) for r in lost]
    assert len(lost) < len(result.results) - 3  # the calls after the crash ran in a new child and passed
    assert len(set(_processes(result))) == 2
    assert pool_tree(worker_pool) == tree and worker_pool.starts == starts
    assert not [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", seconds]]


def test_a_tensorflow_child_serves_one_grading_at_a_time(worker_pool, tmp_path):
    """Two gradings on the pool at once (a batch's running row and the next one): the second one's
    TensorFlow call waits until the first let go of TensorFlow, then gets a child of its own; the first
    may make no TensorFlow call after that."""
    seconds = f"{700 + time.time_ns() % 1000}.75"
    honest = build(_counterfactual_naming_its_process("names_its_process", seconds), tmp_path / "honest")
    cases = load_cases(SUITES / "counterfactual", FIXTURES)
    request = {"module": "counterfactual", **cases["cat_to_dog_small_budget"]}
    with SubmissionRunner(honest, FIXTURES, pool=worker_pool) as first, \
            SubmissionRunner(honest, FIXTURES, pool=worker_pool) as second:
        first_reply = first.call(request)
        assert first_reply.ok, first_reply
        with ThreadPoolExecutor(1) as thread:
            waiting = thread.submit(second.call, request)
            time.sleep(3)
            assert not waiting.done()  # the first grading still holds TensorFlow
            first.end_calls("tensorflow")
            second_reply = waiting.result(timeout=60)
        assert second_reply.ok, second_reply
        assert len(_processes_of(first_reply)) == len(_processes_of(second_reply)) == 1
        assert _processes_of(first_reply) != _processes_of(second_reply)  # a child of its own
        with pytest.raises(RuntimeError, match="ended"):
            first.call({"module": "counterfactual", **cases["cat_to_dog_settings"]})
    assert not [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", seconds]]


# Per task: a line to print the fixtures' state before, a line after which the call spoils them.
_POISONS = {
    "clip_similarity": (
        "device = _device(model)",
        "print('STATE', round(float(sum(p.double().abs().sum() for p in model.parameters())), 6), flush=True)",
        "similarities = _unit(text_embeds) @ _unit(image_embeds)[0]",
        "with torch.no_grad():\n        for p in model.parameters():\n            p.zero_()"),
    "grad_cam": (
        "height, width = input_tensor.shape[-2:]",
        "print('STATE', round(float(sum(p.double().abs().sum() for p in model.parameters())), 6), flush=True)",
        "cam = F.interpolate(cam, size=(height, width), mode=\"bilinear\", align_corners=False)",
        "with torch.no_grad():\n        for p in model.parameters():\n            p.zero_()"),
    "partial_dependence_1d": (
        "position = _column_position(X, feature)",
        "print('STATE', round(float(np.asarray(X, dtype=np.float64).sum()), 6) * bool(vars(model)), flush=True)",
        "average = _averaged_predictions(model, X, [position], grid[:, None])",
        "X[...] = 0.0 if isinstance(X, np.ndarray) else None\n    model.__dict__.clear()"),
}
_TASK_OF = {"clip_similarity": "clip_tokens", "grad_cam": "grad_cam", "partial_dependence_1d": "pdp"}


@pytest.mark.parametrize("function", sorted(_POISONS))
def test_a_call_that_spoils_its_fixtures_leaves_every_other_calls_untouched(function, worker_pool, tmp_path):
    """The worker builds a task's model and data once, before it forks (``load_before_fork``): each
    call's child still starts from untouched fixtures, whatever an earlier call did to its own."""
    before, weigh, after, poison = _POISONS[function]
    task = _TASK_OF[function]
    poisoner = Submission(f"spoils_{function}", task, (Edit(function, before, weigh + "\n    " + before),
                                                       Edit(function, after, after + "\n    " + poison)))
    result = grade(build(poisoner, tmp_path), [task], pool=worker_pool, functions=[function])
    states = [float(value) for check in result.results for value in re.findall(r"STATE (\S+)", check.student_output)]
    assert len(states) >= 4 and len(set(states)) == 1 and states[0] > 0, states


def _probe(other_workspace: str, spool: str) -> Submission:
    return view_probe("pool_probe", f'''
seen = {{"uid": os.getuid(), "spool": sorted(os.listdir({spool!r})), "cwd": os.getcwd(),
        "private": tempfile.gettempdir(), "submission": [p for p in sys.path if "submission" in p]}}
seen["capabilities"] = [line.split()[1] for line in open("/proc/self/status") if line.startswith("CapEff")][0]
seen["other"] = [path for path in ({other_workspace!r}, {other_workspace + "/submission/xai_lab"!r})
                 if os.path.lexists(path)]
seen["processes"] = sorted(int(name) for name in os.listdir("/proc") if name.isdigit())
seen["self"] = os.getpid()
try:
    os.listdir("/proc/1/root/")
    seen["parent_root"] = "readable"
except OSError as error:
    seen["parent_root"] = type(error).__name__''', f'[{spool!r}, os.path.dirname(os.path.dirname(__file__)), "/tmp", "/"]')


@needs_namespaces
def test_a_pooled_call_sees_neither_the_other_submissions_nor_the_spool(worker_pool, tmp_path):
    spool = str(worker_pool.spool)
    with SubmissionRunner(SOLUTIONS, FIXTURES, pool=worker_pool) as other:
        other_workspace = str(other.submission.parent)
        assert other.call({"module": "grad_cam", "function": "overlay_heatmap", "input": "planted",
                           "kwargs": {}}).status is not None  # the other grading is live in the pool
        probe = build(_probe(other_workspace, spool), tmp_path)
        with SubmissionRunner(probe, FIXTURES, pool=worker_pool) as runner:
            reply = runner.call({"module": "grad_cam", "function": "grad_cam", "input": "planted", "kwargs": {}})
            own = runner.submission.parent
    assert reply.status == "raised", reply
    seen = json.loads(reply.error["message"])
    assert seen["other"] == []
    assert seen["spool"] == [own.name]  # the spool shows this grading's workspace only
    assert seen["submission"] == [str(own / "submission")]
    assert seen["cwd"] == seen["private"] and seen["private"].startswith(str(own) + "/home-torch-")
    assert seen["writable"] == []
    assert seen["processes"] == [1, seen["self"]]  # the pooled worker and this call, nothing else
    assert seen["parent_root"] == "PermissionError"
    if isolation_level() == NAMESPACES:
        assert seen["uid"] == NOBODY
    assert int(seen["capabilities"], 16) == 0


def test_crashing_hanging_and_process_leaving_submissions_cost_only_their_own_calls(worker_pool, tmp_path,
                                                                                      reference_grade):
    grade(SOLUTIONS, ["grad_cam"], pool=worker_pool)  # the pool is warm
    tree, starts = pool_tree(worker_pool), dict(worker_pool.starts)
    hostile = {submission.name: submission for submission in HOSTILE}
    seconds = f"{700 + time.time_ns() % 1000}.5"
    cases = [hostile["segfault"], hostile["hangs"], leaves_processes(seconds),
             Submission("import_hangs", "grad_cam", (), at_import="while True:\n    pass")]
    for submission in cases:
        started = time.monotonic()
        result = grade(build(submission, tmp_path / submission.name), ["grad_cam"], limits=POOLED_HANG_LIMITS,
                       pool=worker_pool)
        checks = [r for r in result.results if r.function == "grad_cam"]
        if submission.name != "leaves_processes":  # that one computes Grad-CAM correctly
            assert checks and not any(r.passed for r in checks), submission.name
        assert time.monotonic() - started < 60, submission.name
        assert pool_tree(worker_pool) == tree, submission.name  # same worker, nothing left running
        assert worker_pool.starts == starts, (submission.name, result.results[0].feedback)
    assert not [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", seconds]]
    after = grade(SOLUTIONS, ["grad_cam"], pool=worker_pool)
    assert without_timings(after) == without_timings(reference_grade)
    assert worker_pool.starts == starts


def test_anonymous_regions_are_the_private_writable_ones_in_whole_huge_pages():
    maps = ("00200000-00a00000 rw-p 00000000 00:00 0 \n"
            "00a00000-00c00000 rw-p 00000000 00:00 0                          [heap]\n"
            "00c00000-00e00000 r--p 00000000 08:01 42                         /usr/lib/libx.so\n"
            "00e00000-01000000 rw-p 00000000 08:01 42                         /usr/lib/libx.so\n"
            "01000000-01100000 rw-p 00000000 00:00 0 \n"
            "01100000-01300000 rw-s 00000000 00:01 7                          /dev/zero (deleted)\n"
            "01300001-01900000 rw-p 00000000 00:00 0 \n"
            "7ffd0000-7fff0000 rw-p 00000000 00:00 0                          [stack]\n")
    assert anonymous_regions(maps) == [(0x200000, 0xa00000), (0xa00000, 0xc00000), (0x1400000, 0x1800000)]


def test_a_pooled_worker_forks_from_memory_in_huge_pages(worker_pool):
    """Forking a child per call copies the worker's page tables: in 2 MiB pages they are 1/512 as long."""
    worker_pool.prestart(["torch"])
    with worker_pool.worker("torch"):
        pass  # ready: imported and collapsed
    workers = [process for pid in [worker_pool.pids()["torch"]]
               for process in [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
               if process.name().startswith("python") and "autograder.worker.main" in " ".join(process.cmdline())]
    assert len(workers) == 1
    rollup = open(f"/proc/{workers[0].pid}/smaps_rollup").read()
    huge = int(rollup.split("AnonHugePages:")[1].split()[0]) * 1024
    assert huge >= 100 * 1024**2, rollup
