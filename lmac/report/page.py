"""``lmac report``: one self-contained HTML page (audio and figures as data URIs) for the output
folder(s) of ``lmac explain`` / ``lmac demo``, or for a benchmark run folder."""

from __future__ import annotations

import math
import os
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import jinja2
import numpy as np

from lmac.atomic import atomic_path
from lmac.benchmark.aggregate import METRICS, format_cell
from lmac.report.clips import ClipView, ReportError, listening_gain, read_clip_folder
from lmac.report.concepts import concept_card
from lmac.report.media import AUDIO_FORMATS, audio_uri, png_uri, svg_uri
from lmac.report.run import Run, is_run_folder, read_run
from lmac.report.run_plots import curves_figure, latency_figure, randomization_figure

__all__ = ["PageOptions", "write_report"]

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class PageOptions:
    """What goes on the page.

    Args:
        max_clips: clips with players and figures (a clip heard through several methods counts
            once); the rest are listed in the tables only. Chosen class by class, the clips with
            the highest target probability first, so every class is heard.
        audio: ``"ogg"`` (Ogg Vorbis) or ``"flac"`` (lossless), see :data:`~lmac.report.media.AUDIO_FORMATS`.
        max_seconds: players hold the first ``max_seconds`` of each clip.
    """

    max_clips: int = 50
    audio: str = "ogg"
    max_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.max_clips < 0:
            raise ValueError(f"max_clips must be >= 0, got {self.max_clips}")
        if self.audio not in AUDIO_FORMATS:
            raise ValueError(f"unknown audio format {self.audio!r}; choose one of {sorted(AUDIO_FORMATS)}")
        if not self.max_seconds > 0:
            raise ValueError(f"max_seconds must be positive, got {self.max_seconds}")


Group = list[tuple[str, ClipView]]  # one clip: (row label, view) per method, all on the same input


def _clip_card(group: Group, opts: PageOptions) -> dict:
    """One clip: the input once, then a row per method; one gain for all its players."""
    first = group[0][1]
    sr, n = first.sample_rate, len(first.audio["input"])
    keep = min(n, int(opts.max_seconds * sr))
    gain = listening_gain(v for _, v in group)

    def play(wav: np.ndarray) -> str:
        return audio_uri(wav[:keep] * gain, sr, opts.audio)

    rows = [
        {
            "label": label,
            "target_name": v.target_name,
            "probs": v.probs,
            "figure": png_uri(v.figure),
            "explanation": play(v.audio["explanation"]),
            "residual": play(v.audio["residual"]),
        }
        for label, v in group
    ]
    return {
        "id": f"clip-{first.record.get('setting', 'x')}-{first.name}",
        "name": first.name,
        "rows": rows,
        "target_name": first.target_name,
        "true_label": first.record.get("true_label"),
        "p_input": first.probs["input"],
        "input": play(first.audio["input"]),
        "seconds": n / sr,
        "heard_seconds": keep / sr,
        "gain_db": 20 * math.log10(gain),
        "concepts": concept_card(first.record, first.sources, play),
    }


def _p_input(group: Group) -> float:
    return group[0][1].probs["input"]


def _select(groups: list[Group], limit: int) -> list[Group]:
    """Up to ``limit`` clips, class by class in turn, the highest target probability first."""
    by_class: dict[str, list[Group]] = defaultdict(list)
    for g in sorted(groups, key=lambda g: -_p_input(g)):
        by_class[g[0][1].target_name].append(g)
    chosen, rank = [], 0
    while len(chosen) < min(limit, len(groups)):
        chosen += [c[rank] for c in by_class.values() if rank < len(c)][: limit - len(chosen)]
        rank += 1
    return chosen


def _by_class(groups: list[Group], opts: PageOptions, limit: int) -> list[dict]:
    """Cards of the selected clips grouped by target class, each class ordered by target probability."""
    shown: dict[str, list[Group]] = defaultdict(list)
    for g in _select(groups, limit):
        shown[g[0][1].target_name].append(g)
    total: dict[str, int] = defaultdict(int)
    for g in groups:
        total[g[0][1].target_name] += 1
    return [
        {
            "name": name,
            "total": total[name],
            "clips": [_clip_card(g, opts) for g in sorted(shown[name], key=lambda g: -_p_input(g))],
        }
        for name in sorted(shown)
    ]


def _explain_page(folders: list[Path], opts: PageOptions) -> dict:
    """Clips matched by file name across the folders (one row per folder)."""
    groups: dict[str, Group] = {}
    for folder in folders:
        for v in read_clip_folder(folder):
            label = v.method if len(folders) == 1 else f"{v.method} · {folder.name}"
            groups.setdefault(v.name, []).append((label, v))
    classes = _by_class(list(groups.values()), opts, opts.max_clips)
    shown = {c["name"] for k in classes for c in k["clips"]}
    rows = [
        {
            "clip": v.name,
            "label": label,
            "target_name": v.target_name,
            "true_label": v.record.get("true_label"),
            "probs": v.probs,
            "seconds": v.record.get("seconds"),
            "shown": v.name in shown,
        }
        for g in groups.values()
        for label, v in g
    ]
    return {
        "kind": "explain",
        "title": "lmac explanations",
        "sources": [str(f) for f in folders],
        "methods": sorted({r["label"] for r in rows}),
        "rows": rows,
        "classes": classes,
        "n_clips": len(groups),
        "n_shown": len(shown),
    }


def _metric_table(records: list[dict]) -> dict:
    """The results table of one setting: mean ± 95 % half-width, the best value of each column marked."""
    keys = [k for k in METRICS if any(k in r for r in records)]
    best = {}
    for k in keys:
        values = [r[k] for r in records if isinstance(r.get(k), (int, float)) and math.isfinite(r[k])]
        if len(values) > 1:
            best[k] = max(values) if METRICS[k][1] else min(values)
    columns = [{"name": METRICS[k][0], "arrow": "↑" if METRICS[k][1] else "↓"} for k in keys]
    rows = [
        {
            "method": r["method"],
            "n": r["n"],
            "ratio": r.get("ratio_to_classifier"),
            "seconds": r.get("seconds_median"),
            "cells": [
                {"text": format_cell(r, k).split(" ± "), "best": k in best and r.get(k) == best[k]} for k in keys
            ],
        }
        for r in records
    ]
    return {"columns": columns, "rows": rows}


def _sanity(run: Run) -> dict | None:
    records = [r for r in run.records if r.get("rand_corr") is not None]
    if not records:
        return None
    figure = randomization_figure(records, run.methods)
    rows = [
        {
            "method": r["method"],
            "setting": r["setting"],
            "corr": format_cell(r, "rand_corr"),
            "n": r.get("rand_corr_n"),
            "pass_rate": r.get("sanity_pass_rate"),
            "threshold": r.get("sanity_threshold"),
            "passed": r.get("sanity_threshold") is not None and r["rand_corr"] < r["sanity_threshold"],
        }
        for r in records
    ]
    return {"rows": rows, "figure": svg_uri(figure) if figure else None}


def _run_page(run: Run, opts: PageOptions) -> dict:
    per_setting = math.ceil(opts.max_clips / max(len(run.examples), 1))
    tabs = []
    for setting in run.settings:
        records = run.records_of(setting)
        clips = [list(zip([r["method"] for r in records], views)) for views in run.examples.get(setting, [])]
        curves, latency = curves_figure(records, run.methods), latency_figure(records, run.methods)
        tabs.append(
            {
                "name": setting,
                "table": _metric_table(records),
                "n": records[0]["n"],
                "curves": svg_uri(curves) if curves else None,
                "latency": svg_uri(latency) if latency else None,
                "classes": _by_class(clips, opts, per_setting),
                "n_examples": len(clips),
            }
        )
    return {
        "kind": "run",
        "title": f"lmac benchmark: {run.path.name}",
        "sources": [str(run.path)],
        "methods": run.methods,
        "tabs": tabs,
        "sanity": _sanity(run),
        "config": run.config,
        "has_examples": bool(run.examples),
    }


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["p"] = lambda x: "–" if x is None else f"{x:.3f}"
    return env


def write_report(
    paths: list[str | os.PathLike], out: str | os.PathLike | None = None, options: PageOptions = PageOptions()
) -> Path:
    """Write the report of one benchmark run folder, or of one or more ``lmac explain`` /
    ``lmac demo`` output folders (clips matched by file name, one row per folder).

    Args:
        paths: the folders.
        out: the page (default ``<first folder>/report.html``); written atomically.
        options: what goes on the page.

    Returns:
        The page's path.

    Raises:
        ReportError: a missing, partial or unrecognised folder (one-line message).
    """
    paths = [Path(p) for p in paths]
    if not paths:
        raise ReportError("no folder given")
    missing = [p for p in paths if not p.is_dir()]
    if missing:
        raise ReportError(f"{missing[0]}: no such folder")
    if any(is_run_folder(p) for p in paths):
        if len(paths) > 1:
            raise ReportError("a benchmark run folder is reported on its own: pass one run folder")
        context = _run_page(read_run(paths[0]), options)
    else:
        context = _explain_page(paths, options)
    context.update(options=options, created=datetime.now().strftime("%Y-%m-%d %H:%M"))
    html = _env().get_template("report.html.j2").render(**context)
    out = Path(out) if out is not None else paths[0] / "report.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        Path(tmp).write_text(html, encoding="utf-8")
    return out
