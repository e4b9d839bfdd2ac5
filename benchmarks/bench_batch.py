"""Benchmark: 12 submissions graded as one batch against 12 sequential ``grade`` calls (issue 14, item 5).

    .venv/bin/python benchmarks/bench_batch.py [--tasks grad_cam,...] [--part commands|engine|both]

The submissions: the reference, the stubs and mutants of every task (from
``tests/project/*_submissions.py``), each graded on all tasks (or ``--tasks``). Two comparisons,
each required to give identical scores per check:

- commands (the target, >= 3x): what an instructor runs. One ``python -m autograder batch
  ROSTER --out DIR`` over 12 local git repositories (fetch, commit choice, grading on one warm
  pool, gradebook) against 12 ``python -m autograder grade SUBMISSION --results FILE`` runs one
  after another, each a new process with its own workers.
- engine: the same in one process, the pooled gradings through the batch's lane (two rows at a
  time, as ``batch --jobs 2``) against ``grade(...)`` with fresh workers, without the commands'
  own start-up, fetching and reports.

Printed: wall times, ratios, and the per-submission cost of each against the import floor
(fresh interpreters importing what each needed worker family preloads, started together as a
grading starts its workers).

``--repeat N`` measures the commands N times, alternating which side goes first, and reports
every ratio and their median: this machine's speed drifts by up to 4x within minutes (the
import floor measured 5.1-20.9 s in one hour), and one pass of 12 sequential runs then one
batch compares two different machines when it drifts between them.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder.batch.lane import GradingLane  # noqa: E402
from autograder.engine.grading import Grading, available_tasks, grade  # noqa: E402
from autograder.engine.pool import WorkerPool  # noqa: E402
from autograder.reports.gradescope import read_results  # noqa: E402
from autograder.tasks import family_of  # noqa: E402
from benchmarks.bench_grading import import_floor  # noqa: E402
from tests.project import clip_tokens_submissions as clip  # noqa: E402
from tests.project import counterfactual_submissions as counterfactual  # noqa: E402
from tests.project import grad_cam_submissions as grad_cam  # noqa: E402
from tests.project import pdp_submissions as pdp  # noqa: E402
from tests.project.editing import ASSIGNMENTS, SOLUTIONS, build  # noqa: E402
from tests.project.repositories import student_repository  # noqa: E402

MUTANTS = [grad_cam.GRAD_CAM_MUTANTS[0], grad_cam.OVERLAY_MUTANTS[0], grad_cam.SALIENCY_MUTANTS[0],
           counterfactual.MUTANTS[0], counterfactual.MUTANTS[1],
           clip.SIMILARITY_MUTANTS[0], clip.TOKEN_MUTANTS[0], clip.GRADIENT_MUTANTS[0],
           pdp.PDP_MUTANTS[0], pdp.PDP_MUTANTS[1]]


def scores(result) -> list:
    return [(r.check, r.score, r.outcome.value) for r in result.results]


def timed(submissions: list[Path], tasks: list[str], pool: WorkerPool | None) -> tuple[float, list]:
    started = time.perf_counter()
    if pool is None:
        results = [scores(grade(path, tasks)) for path in submissions]
    else:  # as a batch grades its rows (--jobs 2): through the lane, the next row's calls running ahead
        lane = GradingLane(pool)
        with ThreadPoolExecutor(2) as threads:
            results = list(threads.map(lambda path: scores(lane.grade(Grading(path, tasks, pool=pool))), submissions))
    return time.perf_counter() - started, results


def run(command: list[str]) -> float:
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if completed.returncode not in (0, 1):  # 1: some checks failed, as with every mutant
        sys.exit(f"{' '.join(command[2:4])} failed ({completed.returncode}): {completed.stderr[-2000:]}")
    return time.perf_counter() - started


def commands(submissions: list[Path], tasks: list[str], root: Path, repeat: int = 1) -> list[tuple[float, float, bool]]:
    """Per repetition: wall times of one ``batch`` and of the sequential ``grade`` commands, and whether
    they agree; odd repetitions run the sequential side first."""
    names = [f"s{number:02d}" for number in range(len(submissions))]
    root.mkdir()
    roster = root / "roster.csv"
    roster.write_text("student,repository\n" + "".join(f"{name},{name}\n" for name in names))
    for name, source in zip(names, submissions):
        student_repository(root, name, source)
    task_list = ",".join(tasks)
    measured = []
    for repetition in range(repeat):
        out = root / f"run{repetition}"

        def batched() -> float:
            return run([sys.executable, "-m", "autograder", "batch", str(roster), "--out", str(out / "batch"),
                        "--tasks", task_list])

        def sequential() -> float:
            return sum(run([sys.executable, "-m", "autograder", "grade", str(source), "--tasks", task_list,
                            "--results", str(out / "grade" / f"{name}.json"), "--format", "json"])
                       for name, source in zip(names, submissions))

        if repetition % 2:
            one_by_one, together = sequential(), batched()
        else:
            together, one_by_one = batched(), sequential()
        same = all(scores(read_results(out / "batch" / "results" / f"{name}.json"))
                   == scores(read_results(out / "grade" / f"{name}.json")) for name in names)
        measured.append((together, one_by_one, same))
    return measured


def report(what: str, n: int, floor: float, one_by_one: float, together: float, same: bool, target: str) -> None:
    print(f"{what}: identical scores per check: {same}")
    print(f"  sequential, fresh workers each: {one_by_one:7.1f} s   ({one_by_one / n:5.1f} s per submission, "
          f"{one_by_one / n / floor:4.2f}x floor)")
    print(f"  one batch on a warm pool:       {together:7.1f} s   ({together / n:5.1f} s per submission, "
          f"{together / n / floor:4.2f}x floor)")
    print(f"  ratio: {one_by_one / together:.2f}x{target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", help="comma-separated tasks (default: all with a hidden suite)")
    parser.add_argument("--part", choices=("commands", "engine", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=1, help="measure the commands this many times (default 1)")
    args = parser.parse_args()
    tasks = args.tasks.split(",") if args.tasks else available_tasks()
    families = sorted({family_of(task).name for task in tasks})
    with tempfile.TemporaryDirectory() as root:
        submissions = [SOLUTIONS, ASSIGNMENTS] + [build(m, Path(root) / f"{i:02d}_{m.name}") for i, m in enumerate(MUTANTS)]
        floors = [import_floor(families)]
        if args.part in ("commands", "both"):
            by_command = commands(submissions, tasks, Path(root) / "commands", max(1, args.repeat))
            floors.append(import_floor(families))
        if args.part in ("engine", "both"):
            with WorkerPool() as pool:
                pooled, pooled_scores = timed(submissions, tasks, pool)
                starts = dict(pool.starts)
            fresh, fresh_scores = timed(submissions, tasks, None)
            floors.append(import_floor(families))
    floor = statistics.median(floors)
    n = len(submissions)
    print(f"{n} submissions (reference, stubs, {len(MUTANTS)} mutants), tasks: {', '.join(tasks)}; "
          f"worker families: {', '.join(families)}")
    agree = True
    if args.part in ("commands", "both"):
        for batched, sequential, same in by_command:
            report("commands (batch against grade, end to end)", n, floor, sequential, batched, same, " (target >= 3x)")
            agree &= same
        if len(by_command) > 1:
            ratios = [sequential / batched for batched, sequential, _ in by_command]
            print(f"commands, {len(ratios)} runs: ratio median {statistics.median(ratios):.2f}x  runs "
                  + ", ".join(f"{ratio:.2f}" for ratio in ratios))
    if args.part in ("engine", "both"):
        report("engine (grade() in one process)", n, floor, fresh, pooled, pooled_scores == fresh_scores, "")
        print(f"  pooled worker starts: {starts}")
        agree &= pooled_scores == fresh_scores
    print(f"import floor (all families' preloads, in parallel): median {floor:.2f} s  runs "
          + ", ".join(f"{value:.2f}" for value in floors))
    if not agree:
        sys.exit("the batch gave different scores")


if __name__ == "__main__":
    main()
