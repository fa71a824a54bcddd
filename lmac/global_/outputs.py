"""What ``lmac aggregate`` writes: the scores table, a figure per class and a montage per class and method.

Layout of a run folder::

    results.json   {"scores": [...], "validation": [...], "methods": {name: {kind, features, n_clips}}}
    results.csv    the score records (one per method, predicted class and feature)
    results.md     the tables (top features per class, validation)
    plots/<class>.svg            every method's scores for the class
    montage/<method>/<class>.wav the explanations of the class's most confident clips, one after another
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import matplotlib
import numpy as np
import torch
from matplotlib.figure import Figure

from lmac.atomic import atomic_path
from lmac.audio import save_audio
from lmac.global_.runner import GlobalResult
from lmac.global_.scores import SCORES
from lmac.global_.tables import ranking, score_records, to_markdown, validation
from lmac.report.plots import figure_bytes

__all__ = ["montage", "class_figure", "write_global"]


def montage(wavs: list[torch.Tensor], sample_rate: int, gap_seconds: float = 0.25) -> torch.Tensor:
    """``(T_i,)`` clips one after another with ``gap_seconds`` of silence between them -> ``(T,)``.
    Levels are kept as they are (a quieter explanation stays quieter)."""
    if not wavs:
        raise ValueError("a montage needs at least one clip")
    gap = torch.zeros(int(round(gap_seconds * sample_rate)))
    parts = [p for w in wavs for p in (gap, w.detach().cpu().float())][1:]
    return torch.cat(parts)


def class_figure(result: GlobalResult, class_index: int, top: int = 8) -> bytes | None:
    """One panel per method: the class's ``top`` features by average importance, with the three scores
    each scaled to its largest value in the panel (SVG bytes; ``None`` when no method predicted the class)."""
    panels = [(name, agg) for name, agg in result.methods.items() if (agg.predicted == class_index).any()]
    if not panels:
        return None
    colors = matplotlib.colormaps["tab10"]
    fig = Figure(figsize=(3.4 * len(panels), 0.9 + 0.3 * top), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(panels)))
    for ax, (name, agg) in zip(axes, panels):
        scores = agg.scores(len(result.class_names))
        features = ranking(scores["average"][class_index], agg.names)[:top]
        y = np.arange(len(features))
        for j, key in enumerate(SCORES):
            values = np.nan_to_num(np.array([float(scores[key][class_index, agg.names.index(f)]) for f in features]))
            ax.barh(
                y + (j - 1) * 0.27, values / max(values.max(), 1e-12), height=0.27, color=colors(j), label=SCORES[key]
            )
        ax.set_yticks(y, features, fontsize=7)
        ax.invert_yaxis()
        ax.set_title(f"{name} ({agg.kind})", fontsize=8, loc="left")
        ax.set_xlabel("score / its largest value", fontsize=7)
        ax.tick_params(labelsize=7)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(f"predicted class: {result.class_names[class_index]}", fontsize=9)
    fig.legend(*axes[0].get_legend_handles_labels(), fontsize=7, loc="outside lower center", ncols=3, frameon=False)
    return figure_bytes(fig, "svg")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def _write_text(path: Path, text: str | bytes) -> None:
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(text if isinstance(text, bytes) else text.encode())


def write_global(result: GlobalResult, run_dir: str | Path, gap_seconds: float = 0.25) -> list[Path]:
    """Write the run folder described in the module doc; returns the written paths."""
    run_dir = Path(run_dir)
    records, checks = score_records(result), validation(result)
    methods = {
        name: {"kind": agg.kind, "features": agg.names, "n_clips": len(agg.predicted)}
        for name, agg in result.methods.items()
    }
    paths = [run_dir / "results.json", run_dir / "results.csv", run_dir / "results.md"]
    _write_text(paths[0], json.dumps({"scores": records, "validation": checks, "methods": methods}, indent=2))
    with atomic_path(paths[1]) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(records[0]) if records else ["method"])
        writer.writeheader()
        writer.writerows(records)
    _write_text(paths[2], to_markdown(result) + "\n")
    for c, cls in enumerate(result.class_names):
        svg = class_figure(result, c)
        if svg is not None:
            paths.append(run_dir / "plots" / f"{_safe(cls)}.svg")
            _write_text(paths[-1], svg)
        for name, agg in result.methods.items():
            if agg.examples.get(c):
                paths.append(run_dir / "montage" / _safe(name) / f"{_safe(cls)}.wav")
                save_audio(
                    paths[-1],
                    montage([w for _, w in agg.examples[c]], result.sample_rate, gap_seconds),
                    result.sample_rate,
                )
    return paths
