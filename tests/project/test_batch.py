"""``autograder batch``: local git repositories of a small class, graded into a gradebook;
the deadline choice, resume after a kill, overrides, shards and their merge."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.project.editing import ASSIGNMENTS, REPO, SOLUTIONS, Submission, build

DEADLINE = "2026-06-01T12:00:00+00:00"
BEFORE, AFTER = "2026-05-30T10:00:00+00:00", "2026-06-02T10:00:00+00:00"
FAST = ["--tasks", "grad_cam", "--call-timeout", "3"]


def git(repo: Path, *args: str, date: str = BEFORE) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_NAME": "s",
           "GIT_AUTHOR_EMAIL": "s@example.org", "GIT_COMMITTER_NAME": "s", "GIT_COMMITTER_EMAIL": "s@example.org"}
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True, env=env).stdout.strip()


def commit_tree(repo: Path, source: Path, date: str, message: str) -> str:
    """Replace the repository's xai_lab/ by ``source``'s and commit it at ``date``."""
    shutil.rmtree(repo / "xai_lab", ignore_errors=True)
    shutil.copytree(source / "xai_lab", repo / "xai_lab", ignore=shutil.ignore_patterns("__pycache__"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, date=date)
    return git(repo, "rev-parse", "HEAD")


def new_repo(root: Path, name: str) -> Path:
    repo = root / name
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    return repo


def submission(root: Path, name: str, code: str) -> Path:
    return build(Submission(name, "grad_cam", (), at_import=code), root / f"src-{name}")


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    commits = {}
    for name, source in (("ref", SOLUTIONS), ("stub", ASSIGNMENTS),
                         ("crash", submission(root, "crash", "import os\nos._exit(3)")),
                         ("hang", submission(root, "hang", "while True:\n    pass"))):
        commits[name] = commit_tree(new_repo(root, name), source, BEFORE, name)
    late = new_repo(root, "late")
    commits["late"] = commit_tree(late, ASSIGNMENTS, BEFORE, "stubs in time")
    commits["late_after"] = commit_tree(late, SOLUTIONS, AFTER, "reference too late")
    only_late = new_repo(root, "only_late")
    commit_tree(only_late, SOLUTIONS, AFTER, "everything too late")
    roster = root / "roster.csv"
    roster.write_text("student,repository,matrikel\n"
                      "anna,ref,111\nben,stub,222\ncara,crash,333\ndavid,hang,444\n"
                      "emil,late,555\nfrida,only_late,666\ngustav,missing-repository,777\n")
    return root, roster, commits


def batch(*args, timeout=900):
    return subprocess.run([sys.executable, "-m", "autograder", "batch", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


def gradebook(out: Path) -> dict[str, dict]:
    raw = (out / "gradebook.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: spreadsheets read the umlauts as UTF-8
    rows = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";")
    return {row["student"]: row for row in rows}


@pytest.fixture(scope="module")
def graded(classroom):
    root, roster, commits = classroom
    out = root / "out"
    completed = batch(roster, "--out", out, "--deadline", DEADLINE, "--jobs", "2", *FAST)
    return out, completed, commits


def test_every_roster_row_ends_in_the_gradebook_with_its_status(graded):
    out, completed, commits = graded
    assert completed.returncode == 1, completed.stderr  # gustav's clone failed
    book = gradebook(out)
    assert list(book) == ["anna", "ben", "cara", "david", "emil", "frida", "gustav"]
    assert {name: row["status"] for name, row in book.items()} == {
        "anna": "graded", "ben": "graded", "cara": "graded", "david": "graded", "emil": "graded",
        "frida": "no_submission", "gustav": "clone_failed"}
    assert (book["anna"]["score"], book["anna"]["max_score"], book["anna"]["bonus"]) == ("45", "40", "5")
    assert book["anna"]["grad_cam"] == "30" and book["anna"]["Aufgabe 1 (grad_cam)"] == "45"
    assert book["ben"]["score"] == "0" and book["cara"]["score"] == "0" and book["david"]["score"] == "0"
    assert book["anna"]["matrikel"] == "111" and book["gustav"]["matrikel"] == "777"
    assert book["anna"]["commit"] == commits["ref"]
    assert "missing-repository" in book["gustav"]["message"] or book["gustav"]["message"]
    # One progress line per row (stderr is no terminal here), also for rows ending while another's checks run.
    progress = [line.split(":")[0] for line in completed.stderr.splitlines() if line.startswith("[")]
    assert sorted(line.split("] ")[0] for line in progress) == sorted(f"[{n}/7" for n in range(1, 8)), completed.stderr
    assert sorted(line.split("] ")[1] for line in progress) == sorted(book), completed.stderr
    for student in ("anna", "ben", "cara", "david", "emil"):
        assert (out / "results" / f"{student}.json").is_file()
        assert (out / "reports" / f"{student}.md").read_text().startswith(f"## xai-lab Bewertung: {student}")
    # Rows without a grade get a report that says why, without git's message (it may name a token).
    assert "Keine Abgabe bewertet: kein Commit vor der Abgabefrist." in (out / "reports" / "frida.md").read_text()
    gustav = (out / "reports" / "gustav.md").read_text()
    assert "dein Repository ließ sich nicht abrufen" in gustav and "missing-repository" not in gustav
    assert "ließ sich nicht abrufen" in (out / "reports" / "gustav.html").read_text()


def test_the_deadline_picks_the_last_commit_before_it_and_marks_later_ones(graded):
    out, _, commits = graded
    book = gradebook(out)
    assert book["emil"]["commit"] == commits["late"] and book["emil"]["late"] == "ja"
    assert book["emil"]["score"] == "0"  # the stubs: the reference came after the deadline
    assert book["emil"]["commit_date"].startswith("2026-05-30T10:00:00")
    assert book["anna"]["late"] == "nein"
    assert book["frida"]["commit"] == "" and book["frida"]["score"] == "0"


def test_results_carry_who_was_graded(graded):
    from autograder.reports.gradescope import read_results

    out, _, commits = graded
    result = read_results(out / "results" / "anna.json")
    assert (result.metadata.student, result.metadata.repository, result.metadata.commit) == ("anna", "ref",
                                                                                               commits["ref"])
    assert result.metadata.suites_hash and result.metadata.engine_version


def test_overrides_survive_a_rerun_and_reach_gradebook_and_report(graded):
    out, _, _ = graded
    (out / "overrides.csv").write_text("student;target;points;reason\nben;overlay_heatmap;7,5;Nachkorrektur\n")
    graded_at = {path.name: path.stat().st_mtime_ns for path in (out / "results").glob("*.json")}
    again = batch(out / "roster.csv", "--out", out, "--deadline", DEADLINE, *FAST)
    assert {path.name: path.stat().st_mtime_ns for path in (out / "results").glob("*.json")} == graded_at  # no regrade
    assert again.returncode == 1
    book = gradebook(out)
    assert book["ben"]["overlay_heatmap"] == "7,5" and book["ben"]["score"] == "7,5"
    assert "overlay_heatmap=7,5 (Nachkorrektur)" in book["ben"]["overrides"]
    assert "Manuelle Korrekturen" in (out / "reports" / "ben.md").read_text()


def test_reports_written_during_the_batch_are_rendered_again_only_when_their_overrides_changed(graded, tmp_path):
    from autograder.batch.layout import BatchDir
    from autograder.batch.outputs import RowReports, write_outputs
    from autograder.batch.records import read_record
    from autograder.batch.roster import read_roster

    out = tmp_path / "out"
    shutil.copytree(graded[0], out)
    (out / "overrides.csv").unlink(missing_ok=True)
    batch_dir = BatchDir(out)
    reports = RowReports(batch_dir)  # as a batch does when it starts: no overrides yet
    for student in ("anna", "ben"):
        reports.write(read_record(batch_dir.record(student)))
    assert set(reports.written) == {"anna", "ben"}
    (out / "overrides.csv").write_text("student;target;points;reason\nben;overlay_heatmap;3;Nachkorrektur\n")

    def files() -> dict[str, int]:  # a written report is a new file (os.replace): a new inode
        return {path.name: path.stat().st_ino for path in (out / "reports").iterdir()}

    rendered = files()
    rows, extra = read_roster(out / "roster.csv")
    assert write_outputs(batch_dir, rows, extra, ["grad_cam"], written=reports.written) == []
    now = files()
    assert now["anna.md"] == rendered["anna.md"] and now["anna.html"] == rendered["anna.html"]  # not rendered again
    assert now["ben.md"] != rendered["ben.md"]
    assert "overlay&#95;heatmap: 3 Punkte (Nachkorrektur)" in (out / "reports" / "ben.md").read_text()
    anna = out / "results" / "anna.json"
    anna.write_text(json.dumps({**json.loads(anna.read_text()), "output": "regraded"}))  # new results, same overrides
    assert write_outputs(batch_dir, rows, extra, ["grad_cam"], written=reports.written) == []
    assert files()["anna.md"] != now["anna.md"]


def test_an_overrides_file_that_is_not_utf8_is_named_and_leaves_the_results_alone(graded, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(graded[0], out)
    (out / "overrides.csv").write_bytes("student;target;points;reason\nben;overlay_heatmap;2;Prüfung\n".encode("cp1252"))
    graded_at = {path.name: path.stat().st_mtime_ns for path in (out / "results").glob("*.json")}
    again = batch(out / "roster.csv", "--out", out, "--deadline", DEADLINE, *FAST)
    assert again.returncode == 3, again.stderr
    assert "overrides.csv: not UTF-8" in again.stderr and "; no gradebook written" in again.stderr
    assert "gradebook:" not in again.stderr
    assert "Traceback" not in again.stderr
    assert {path.name: path.stat().st_mtime_ns for path in (out / "results").glob("*.json")} == graded_at


def test_a_row_that_fails_on_a_rerun_says_so_in_its_report_and_keeps_its_results(graded, tmp_path):
    from autograder.batch.layout import BatchDir

    out = tmp_path / "out"
    shutil.copytree(graded[0], out)
    assert "Gesamt" in (out / "reports" / "anna.md").read_text()
    git(BatchDir(out).clone("anna"), "remote", "set-url", "origin", str(tmp_path / "gone"))
    results = (out / "results" / "anna.json").read_bytes()
    again = batch(out / "roster.csv", "--out", out, "--deadline", DEADLINE, *FAST)
    assert again.returncode == 1, again.stderr
    assert (gradebook(out)["anna"]["status"], gradebook(out)["anna"]["score"]) == ("clone_failed", "")
    for suffix in (".md", ".html"):  # not the grade of the earlier run
        report = (out / "reports" / f"anna{suffix}").read_text()
        assert "dein Repository ließ sich nicht abrufen" in report and "Gesamt" not in report
        assert "gone" not in report
    assert (out / "results" / "anna.json").read_bytes() == results  # nothing lost: a later run grades again


def test_reports_of_rows_without_a_grade_name_the_commit_but_not_the_engines_message():
    from autograder.batch.outputs import status_lines
    from autograder.batch.records import RowRecord, RowStatus

    for status in (RowStatus.TIMEOUT, RowStatus.INTERNAL_ERROR, RowStatus.CLONE_FAILED):
        for commit in ("0123456789abcdef", ""):
            record = RowRecord("s", "https://x-access-token:ghs_secret@github.com/c/s", status, commit,
                               "2026-05-30T10:00:00+00:00" if commit else "", message="fatal: ghs_secret")
            text = " ".join(status_lines(record))
            assert text.startswith("Noch keine Bewertung") and "ghs_secret" not in text and "()" not in text
            assert ("0123456789ab" in text) == bool(commit and status is not RowStatus.CLONE_FAILED)


def owner_pid(directory: Path) -> int | None:
    """The pid a claimed temporary directory records (None while another test's pool is being made or removed)."""
    try:
        return int(Path(f"{directory}.owner").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def test_a_killed_batch_resumes_with_only_what_is_missing(classroom, tmp_path):
    root, roster, _ = classroom
    small = tmp_path / "roster.csv"
    # One row at a time, and s1 hangs at import (its first call takes the 3 s limit): the batch is still
    # grading s1 when it is killed. (With --jobs 2, s1's calls would run while s0 is graded.)
    small.write_text(f"student,repository\ns0,{root / 'stub'}\ns1,{root / 'hang'}\n")
    out = tmp_path / "out"
    pools_before = {path for path in Path(tempfile.gettempdir()).glob("xai-lab-pool-*") if path.is_dir()}
    process = subprocess.Popen([sys.executable, "-m", "autograder", "batch", str(small), "--out", str(out),
                                "--jobs", "1", *FAST],
                               cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    # A row's reports are written when it ends, not at the end of the batch: the killed batch keeps s0's.
    while not (out / "reports" / "s0.html").is_file() and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert "s0" in (out / "reports" / "s0.md").read_text() and not (out / "reports" / "s1.md").exists()
    # The killed batch could not remove its pool of warm workers; the next pool removes it.
    pools_after = {path for path in Path(tempfile.gettempdir()).glob("xai-lab-pool-*") if path.is_dir()}
    orphaned = [root for root in pools_after - pools_before if owner_pid(root) == process.pid]
    assert orphaned, ({str(root): owner_pid(root) for root in pools_after - pools_before}, process.pid,
                      sorted(path.name for path in (out / "rows").glob("*")))
    done = {path.stem: path.stat().st_mtime_ns for path in (out / "results").glob("*.json")}
    assert set(done) == {"s0"}
    resumed = batch(small, "--out", out, *FAST)
    assert resumed.returncode == 0, resumed.stderr
    assert not any(root.exists() for root in orphaned)
    after = {path.stem: path.stat().st_mtime_ns for path in (out / "results").glob("*.json")}
    assert set(after) == {"s0", "s1"}
    assert all(after[name] == mtime for name, mtime in done.items())  # not graded again
    assert not list((out / "results").glob(".*"))  # no half-written files
    forced = batch(small, "--out", out, "--force", *FAST)
    assert forced.returncode == 0
    assert all((out / "results" / f"{name}.json").stat().st_mtime_ns > mtime for name, mtime in after.items())


def test_shards_merge_into_the_unsharded_gradebook(classroom, tmp_path):
    root, _, _ = classroom
    roster = tmp_path / "roster.csv"
    roster.write_text(f"student,repository\nanna,{root / 'stub'}\nben,{root / 'late'}\ngustav,{root / 'nope'}\n")
    whole = batch(roster, "--out", tmp_path / "whole", *FAST)
    shards = [subprocess.Popen([sys.executable, "-m", "autograder", "batch", str(roster), "--out",
                                str(tmp_path / f"shard{k}"), "--shard", f"{k}/2", *FAST], cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for k in (1, 2)]
    assert [shard.wait(timeout=600) for shard in shards] == [1, 0]  # gustav (row 3) is in shard 1
    assert whole.returncode == 1
    merged = subprocess.run([sys.executable, "-m", "autograder", "gradebook", "merge", str(tmp_path / "shard1"),
                             str(tmp_path / "shard2"), "--out", str(tmp_path / "merged")], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert merged.returncode == 0, merged.stderr
    strip = lambda book: {name: {k: v for k, v in row.items() if k != "message"} for name, row in book.items()}  # noqa: E731
    assert strip(gradebook(tmp_path / "merged")) == strip(gradebook(tmp_path / "whole"))
    assert (tmp_path / "merged" / "gradebook.csv").read_bytes() == (tmp_path / "whole" / "gradebook.csv").read_bytes()


def _answered_grad_cam(release: Path, out: Path) -> Path:
    """The student grad_cam notebook's otter cell followed by the master's answers (graded in seconds)."""
    import nbformat

    from autograder.notebooks.masters import questions

    notebook = nbformat.read(str(release / "notebooks" / "grad_cam.ipynb"), as_version=4)
    (init,) = [cell for cell in notebook.cells if cell.cell_type == "code" and "otter.Notebook(" in cell.source]
    answers = [solution.replace("  # SOLUTION", "") for question in questions("grad_cam") if not question.manual
               for solution in question.solutions]
    notebook.cells = [init, *(nbformat.v4.new_code_cell(answer) for answer in answers)]
    nbformat.write(notebook, str(out))
    return out


def test_notebook_points_stand_in_their_own_columns_and_survive_resume_and_merge(classroom, tmp_path):
    """``batch --notebooks``: the reference with an answered grad_cam notebook (the other three
    missing) gets the notebooks' points beside, not inside, the assignment's points."""
    from autograder.notebooks.release import build_notebooks
    from autograder.reports.gradescope import read_results

    root, _, _ = classroom
    files = tmp_path / "notebook-files"
    build_notebooks(tmp_path / "release", files)
    repo = new_repo(tmp_path, "nora")
    (repo / "notebooks").mkdir()
    _answered_grad_cam(tmp_path / "release", repo / "notebooks" / "grad_cam.ipynb")
    commit_tree(repo, SOLUTIONS, BEFORE, "reference and one notebook")
    roster = tmp_path / "roster.csv"
    roster.write_text(f"student,repository\nnora,{repo}\nben,{root / 'stub'}\n")
    out = tmp_path / "out"
    args = (roster, "--out", out, "--notebooks", "--notebook-files", files, *FAST)
    first = batch(*args)
    assert first.returncode == 0, first.stderr
    book = gradebook(out)
    nora, ben = book["nora"], book["ben"]
    assert (nora["score"], nora["max_score"], nora["bonus"]) == ("45", "40", "5")  # as without notebooks
    assert (nora["notebooks"], nora["notebooks_max"], nora["grad_cam.ipynb"], nora["pdp.ipynb"]) == ("4", "14", "4", "0")
    assert (ben["score"], ben["notebooks"], ben["notebooks_max"]) == ("0", "0", "14")
    result = read_results(out / "results" / "nora.json")
    assert result.tasks == ["grad_cam", "notebooks"]
    assert sum(r.score for r in result.results if r.task == "notebooks") == 4
    raw = json.loads((out / "results" / "nora.json").read_text())
    assert (raw["score"], raw["max_score"], raw["notebooks_score"], raw["notebooks_max_score"]) == (45, 40, 4, 14)
    report = (out / "reports" / "nora.md").read_text()
    assert "### Notebooks (neben den Punkten der Aufgaben): 4/14 Punkte" in report
    assert "Gesamt: 40/40 Punkte" in report and "Gesamt: 44/54" not in report

    graded_at = {path.name: path.stat().st_mtime_ns for path in (out / "results").glob("*.json")}
    (out / "overrides.csv").write_text("student;target;points;reason\nben;grad_cam.ipynb;2;Notebook nachgesehen\n")
    again = batch(*args)
    assert again.returncode == 0, again.stderr
    assert {path.name: path.stat().st_mtime_ns for path in (out / "results").glob("*.json")} == graded_at  # resumed
    book = gradebook(out)
    assert (book["ben"]["notebooks"], book["ben"]["grad_cam.ipynb"], book["ben"]["score"]) == ("2", "2", "0")

    merged = subprocess.run([sys.executable, "-m", "autograder", "gradebook", "merge", str(out), "--out",
                             str(tmp_path / "merged")], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert merged.returncode == 0, merged.stderr
    assert (tmp_path / "merged" / "gradebook.csv").read_bytes() == (out / "gradebook.csv").read_bytes()


def test_a_batch_on_fresh_cases_grades_the_leaked_bundle_at_nothing_and_regrades_for_a_new_seed(classroom, tmp_path):
    from autograder.engine.fresh import SEED_VARIABLE, seed_label
    from autograder.reports.gradescope import read_results
    from tests.project.leaked_bundle import build_leaked_lookup

    root, _, _ = classroom
    leaked = new_repo(tmp_path, "leaked")
    commit_tree(leaked, build_leaked_lookup(tmp_path / "src-leaked"), BEFORE, "the bundle's results")
    roster = tmp_path / "roster.csv"
    roster.write_text(f"student,repository\nanna,{root / 'ref'}\nlena,{leaked}\n")
    out, seeds = tmp_path / "out", ("31337", "31338")
    # The seed travels in the environment, as the instructor workflow passes its secret.
    first = subprocess.run([sys.executable, "-m", "autograder", "batch", str(roster), "--out", str(out), *FAST],
                           cwd=REPO, capture_output=True, text=True, timeout=900,
                           env={**os.environ, SEED_VARIABLE: seeds[0]})
    assert first.returncode == 0, first.stderr
    book = gradebook(out)
    assert book["anna"]["grad_cam"] == "30" and book["lena"]["grad_cam"] == "0", book
    results = {name: (out / "results" / f"{name}.json").read_text() for name in ("anna", "lena")}
    assert all(seeds[0] not in text for text in results.values())
    assert read_results(out / "results" / "anna.json").metadata.cases == seed_label(int(seeds[0]))

    second = batch(roster, "--out", out, *FAST, "--fresh-cases", seeds[1])
    assert second.returncode == 0, second.stderr
    assert read_results(out / "results" / "anna.json").metadata.cases == seed_label(int(seeds[1]))  # regraded
    assert gradebook(out)["lena"]["grad_cam"] == "0"
