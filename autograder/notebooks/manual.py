"""The free-text answers of a submitted notebook, exported to PDF for the instructor.

otter marks each manually graded question in the student notebook with
``<!-- BEGIN QUESTION -->`` … ``<!-- END QUESTION -->``. This module keeps only those
cells (prompt and the student's answer), renders them with nbconvert's HTML exporter
and prints the page with a headless Chromium. otter's own PDF export needs LaTeX or a
Playwright browser download, neither of which this machine offers; Debian's
``chromium`` prints HTML to PDF directly.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat

BEGIN = "<!-- BEGIN QUESTION -->"
END = "<!-- END QUESTION -->"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def manual_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The cells of every manually graded question, markers removed."""
    kept, inside = [], False
    for cell in notebook.cells:
        source = cell.source
        if BEGIN in source:
            inside, source = True, source.split(BEGIN, 1)[1]
        if inside:
            ends = END in source
            text = source.split(END, 1)[0] if ends else source
            if text.strip():
                kept.append(nbformat.v4.new_markdown_cell(text.strip()) if cell.cell_type == "markdown"
                            else nbformat.v4.new_code_cell(text.strip()))
            inside = not ends
    return kept


def manual_answers_html(notebook_path: Path, title: str) -> str:
    from nbconvert import HTMLExporter

    notebook = nbformat.read(str(notebook_path), as_version=4)
    filtered = nbformat.v4.new_notebook()
    filtered.cells = [nbformat.v4.new_markdown_cell(f"# {title}"), *manual_cells(notebook)]
    body, _ = HTMLExporter().from_notebook_node(filtered)
    return body


def export_manual_answers(notebook_path: Path, out_pdf: Path, title: str | None = None) -> Path:
    """Write the free-text questions and answers of ``notebook_path`` to ``out_pdf``."""
    browser = next((found for name in BROWSERS if (found := shutil.which(name))), None)
    if browser is None:
        raise FileNotFoundError("no Chromium found to print the PDF (apt-get install chromium)")
    html = manual_answers_html(Path(notebook_path), title or f"Freitextantworten: {Path(notebook_path).name}")
    out_pdf = Path(out_pdf).resolve()
    with tempfile.TemporaryDirectory(prefix="manual-answers-") as scratch:
        page = Path(scratch) / "answers.html"
        page.write_text(html, encoding="utf-8")
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={scratch}/profile",
                        "--no-pdf-header-footer", f"--print-to-pdf={out_pdf}", page.as_uri()],
                       check=True, capture_output=True, timeout=120)
    return out_pdf
