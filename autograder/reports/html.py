"""The visual report: one self-contained HTML page (images inline, no script, no network), in German.

Points per task, function and check with the feedback, and beside each function the
pictures its checks attached: the student's result next to what was expected (a planted
truth or, on public cases, the reference), drawn with the same colour scale.
"""

from __future__ import annotations

import base64
import html
import io

import numpy as np

from autograder.model import Attachment, CheckResult, Grade
from autograder.reports import common

ROLE_TITLES = {"student": "Dein Ergebnis", "expected": "Erwartet (Musterlösung, öffentlicher Fall)",
               "planted": "Eingebaute Wahrheit", "input": "Eingabe"}
STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:70rem;color:#1b1b1b}
h1{font-size:1.5rem}h2{font-size:1.25rem;border-bottom:1px solid #ccc;margin-top:2rem}
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e3e3e3;padding:.25rem .4rem;
text-align:left;vertical-align:top}td.p{text-align:right;white-space:nowrap}
.ok{color:#11772d}.no{color:#b3261e}.int{color:#8a5a00}.fb{white-space:pre-wrap;font-size:.9rem;color:#444}
figure{display:inline-block;margin:.3rem .6rem .3rem 0;vertical-align:top}
figcaption{font-size:.75rem;color:#555;max-width:15rem}.pics{margin:.5rem 0 1rem}
.total{font-size:1.1rem;font-weight:bold}
"""


def _encode(image) -> str:
    buffer = io.BytesIO()
    # No ``optimize``: it made the whole reference's page 5 % smaller (312 against 327 KiB) and
    # four times slower to build (0.5 against 0.12 s), next to a pooled grading of seconds.
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


_COLORMAPS: dict = {}


def _colormap(name: str):
    """matplotlib hands out a new copy of a colormap per lookup, which builds its table on first use."""
    if name not in _COLORMAPS:
        from matplotlib import colormaps

        _COLORMAPS[name] = colormaps[name]
    return _COLORMAPS[name]


def _raster(attachment: Attachment, scale: tuple[float, float] | None) -> str:
    """Heatmaps and images straight to PNG (no figure: fast), enlarged so small maps stay visible."""
    from PIL import Image

    array = np.asarray(attachment.array, dtype=np.float64)
    if attachment.kind in ("heatmap", "contour"):
        low, high = scale or (0.0, 1.0)
        normalised = np.clip((array - low) / (high - low if high > low else 1.0), 0, 1)
        # A PDP's first feature runs along x: rows of ``average`` become columns, low values at the bottom.
        shown = normalised.T[::-1] if attachment.kind == "contour" else normalised
        rgb = (_colormap("viridis" if attachment.kind == "contour" else "jet")(shown)[..., :3] * 255).round()
        rgb = rgb.astype(np.uint8)
    else:
        # uint8 images as they are; float images are in [0, 1].
        integer = np.asarray(attachment.array).dtype.kind in "iu"
        rgb = np.clip(array if integer else array * 255, 0, 255).round().astype(np.uint8)
    image = Image.fromarray(rgb)
    factor = max(1, 192 // max(image.size))
    return _encode(image.resize((image.width * factor, image.height * factor), Image.NEAREST))


def _svg(attachment: Attachment, scale: tuple[float, float] | None) -> str:
    """Bars and curves as a small SVG: no figure machinery, milliseconds per picture."""
    array = np.asarray(attachment.array, dtype=np.float64)
    if attachment.kind == "curve" and array.ndim == 2 and array.shape[0] == 2:
        xs, ys = array[0], array[1]
    else:
        ys = array.ravel()
        xs = np.arange(ys.size, dtype=np.float64)
    low, high = scale or (float(ys.min()), float(ys.max()))
    if high <= low:
        low, high = low - 0.5, high + 0.5
    width, height, left, bottom, top = 240, 150, 44, 46 if attachment.kind == "bars" else 24, 8
    plot_w, plot_h = width - left - 8, height - bottom - top

    def y_of(value: float) -> float:
        return top + plot_h * (1 - (min(max(value, low), high) - low) / (high - low))

    parts = [f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#555"/>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#555"/>']
    for value in (low, high):
        parts.append(f'<text x="{left - 3}" y="{y_of(value) + 3:.1f}" text-anchor="end">{common.number(value)}</text>')
    if attachment.kind == "bars":
        step = plot_w / max(ys.size, 1)
        base = y_of(min(max(0.0, low), high))
        labels = attachment.labels or [str(i) for i in range(ys.size)]
        for index, value in enumerate(ys):
            x, y = left + index * step + step * 0.15, y_of(value)
            parts.append(f'<rect x="{x:.1f}" y="{min(y, base):.1f}" width="{step * 0.7:.1f}" '
                         f'height="{abs(base - y):.1f}" fill="#3b6fb6"/>')
            label = html.escape(str(labels[index])[:12]) if index < len(labels) else ""
            parts.append(f'<text transform="translate({x + step * 0.35:.1f},{top + plot_h + 6}) rotate(45)">{label}</text>')
    else:
        x_low, x_high = float(xs.min()), float(xs.max())
        span = x_high - x_low if x_high > x_low else 1.0
        points = " ".join(f"{left + plot_w * (x - x_low) / span:.1f},{y_of(y):.1f}" for x, y in zip(xs, ys))
        parts.append(f'<polyline points="{points}" fill="none" stroke="#3b6fb6" stroke-width="1.5"/>')
        for value, anchor in ((x_low, "start"), (x_high, "end")):
            x = left if anchor == "start" else left + plot_w
            parts.append(f'<text x="{x}" y="{top + plot_h + 12}" text-anchor="{anchor}">{common.number(value)}</text>')
        if attachment.labels:
            parts.append(f'<text x="{left + plot_w / 2}" y="{height - 2}" text-anchor="middle">'
                         f"{html.escape(attachment.labels[0])}</text>")
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-size="9" '
           f'font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>{"".join(parts)}</svg>')
    return base64.b64encode(svg.encode("utf-8")).decode("ascii")


def draw(attachment: Attachment, scale: tuple[float, float] | None = None) -> tuple[str, str]:
    """The attachment as ``(media type, base64 data)``; ``scale`` fixes the range shared with its neighbours."""
    if attachment.kind in ("heatmap", "image", "contour"):
        return "image/png", _raster(attachment, scale)
    return "image/svg+xml", _svg(attachment, scale)


def _shared_scale(group: list[Attachment]) -> tuple[float, float] | None:
    """One colour/axis range for pictures of one kind: a student's result and its expected neighbours.

    Heatmaps and images always use [0, 1] (maps are normalised, images are in [0, 1] or uint8),
    so a change map or a planted 0/1 mask is never drawn on a curve's axis.
    """
    kinds = {attachment.kind for attachment in group}
    if kinds <= {"heatmap", "image"}:
        return (0.0, 1.0)
    finite = [np.asarray(a.array, dtype=np.float64) for a in group if a.kind in ("bars", "curve", "contour")]
    values = np.concatenate([array[np.isfinite(array)].ravel() for array in finite]) if finite else np.zeros(0)
    if values.size == 0:
        return None
    low, high = float(values.min()), float(values.max())
    return (low, high) if high > low else (low - 0.5, high + 0.5)


def _legend(kind: str, scale: tuple[float, float] | None) -> str:
    """The group's shared colour scale, drawn once."""
    low, high = scale or (0.0, 1.0)
    ramp = np.tile(np.linspace(high, low, 64)[:, None], (1, 6))
    ramp = Attachment("legend", kind, ramp if kind == "heatmap" else ramp.T[:, ::-1])
    caption = f"Farbskala {common.number(low)} bis {common.number(high)}"
    return (f'<figure><img alt="{caption}" src="data:image/png;base64,{_raster(ramp, (low, high))}">'
            f"<figcaption>{caption}</figcaption></figure>")


def _pictures(results: list[CheckResult]) -> str:
    """One row of figures per function: each case's pictures side by side with a shared scale."""
    groups: dict[str, list[Attachment]] = {}
    for result in results:
        for attachment in result.attachments:
            groups.setdefault(attachment.name, []).append(attachment)
    if not groups:
        return ""
    figures, legends = [], {}
    for name, group in groups.items():
        # Shared within a kind only: a case's curves never set the colour range of its maps.
        scales = {kind: _shared_scale([a for a in group if a.kind == kind]) for kind in {a.kind for a in group}}
        for attachment in group:
            scale = scales[attachment.kind]
            if attachment.kind in ("heatmap", "contour") and (attachment.kind, scale) not in legends:
                legends[(attachment.kind, scale)] = _legend(attachment.kind, scale)
            caption = f"{ROLE_TITLES.get(attachment.role, attachment.role)}: {attachment.caption or name}"
            media, data = draw(attachment, scale)
            figures.append(f'<figure><img alt="{html.escape(caption)}" src="data:{media};base64,{data}">'
                           f"<figcaption><code>{html.escape(name)}</code><br>{html.escape(caption)}</figcaption>"
                           "</figure>")
    return f'<div class="pics">{"".join(legends.values())}{"".join(figures)}</div>'


def _check_row(result: CheckResult) -> str:
    css, mark = {"passed": ("ok", "✔"), "failed": ("no", "✘"), "internal_error": ("int", "!")}[result.outcome.value]
    feedback = "" if result.passed else f'<div class="fb">{html.escape(common.neutralise(result.feedback))}</div>'
    return (f'<tr><td class="{css}">{mark}</td><td>{html.escape(result.title)}{feedback}</td>'
            f'<td class="p">{html.escape(common.points(result.score, result.max_score, result.bonus))}</td></tr>')


def as_html(grade: Grade, title: str = "xai-lab Bewertung") -> str:
    body = [f"<h1>{html.escape(title)}</h1>", f'<p class="total">{html.escape(common.total_line(grade))}</p>']
    for line in [common.incomplete_line(grade), *common.override_lines(grade), *common.tamper_lines(grade)]:
        if line:
            body.append(f"<p>{html.escape(common.neutralise(line))}</p>")
    for task, functions in common.grouped(grade):
        task_results = [r for _, results in functions for r in results]
        body.append(f"<h2>{html.escape(common.task_heading(task))}: {html.escape(common.subtotal(task_results))}</h2>")
        for function, results in functions:
            body.append(f"<h3><code>{html.escape(function)}</code>: {html.escape(common.subtotal(results))}</h3>")
            body.append("<table>" + "".join(_check_row(result) for result in results) + "</table>")
            body.append(_pictures(results))
    return page(title, body)


def page(title: str, body: list[str]) -> str:
    """A whole report page: ``body`` is HTML already escaped, one element a line."""
    return ("<!DOCTYPE html>\n<html lang=\"de\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")
