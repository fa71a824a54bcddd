"""Figures of a benchmark run: deletion / insertion curves, latency, model randomisation (SVG bytes)."""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from lmac.report.plots import figure_bytes

__all__ = ["curves_figure", "latency_figure", "randomization_figure"]


def _colors(methods: list[str]) -> dict[str, tuple]:
    cmap = matplotlib.colormaps["tab10"]
    return {m: cmap(i % 10) for i, m in enumerate(methods)}


def curves_figure(records: list[dict], methods: list[str]) -> bytes | None:
    """Mean deletion and insertion curves (target probability against the fraction of bins
    removed / added), one line per method; ``None`` when no record has them."""
    records = [r for r in records if r.get("deletion_curve") and r.get("insertion_curve")]
    if not records:
        return None
    colors = _colors(methods)
    fig = Figure(figsize=(9.6, 3.0), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, key, title in (
        (axes[0], "deletion_curve", "deletion (lower area is better)"),
        (axes[1], "insertion_curve", "insertion (higher area is better)"),
    ):
        for r in records:
            curve = np.asarray(r[key], dtype=float)
            ax.plot(np.linspace(0, 1, len(curve)), curve, marker=".", color=colors[r["method"]], label=r["method"])
        ax.set_title(title, fontsize=9, loc="left")
        ax.set_xlabel("fraction of time-frequency bins, most salient first", fontsize=8)
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    axes[0].set_ylabel("p(target)", fontsize=8)
    fig.legend(*axes[0].get_legend_handles_labels(), fontsize=7, loc="outside right center", frameon=False)
    return figure_bytes(fig, "svg")


def latency_figure(records: list[dict], methods: list[str]) -> bytes | None:
    """Median explanation time over one classifier forward pass, one bar per method (log scale)."""
    records = [r for r in records if r.get("ratio_to_classifier")]
    if not records:
        return None
    colors = _colors(methods)
    fig = Figure(figsize=(8.4, 0.6 + 0.32 * len(records)), layout="constrained")
    ax = fig.subplots()
    ratios = [float(r["ratio_to_classifier"]) for r in records]
    y = np.arange(len(records))
    ax.barh(y, ratios, color=[colors[r["method"]] for r in records])
    for yi, ratio in zip(y, ratios):
        ax.text(ratio, yi, f" {ratio:.1f}×", va="center", fontsize=8)
    ax.set_yticks(y, [r["method"] for r in records], fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlim(min(0.5, min(ratios) / 2), max(ratios) * 4)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}×"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("median time per explanation / one classifier forward pass (log scale)", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.grid(axis="x", alpha=0.3)
    return figure_bytes(fig, "svg")


def randomization_figure(records: list[dict], methods: list[str]) -> bytes | None:
    """Cascading model randomisation: rank correlation of each method's maps with its maps on the
    trained classifier, as layers are re-initialised from the output down; ``None`` without it."""
    records = [r for r in records if r.get("rand_corr_by_layer")]
    if not records:
        return None
    colors = _colors(methods)
    fig = Figure(figsize=(8.4, 3.0), layout="constrained")
    ax = fig.subplots()
    for r in records:
        corr = r["rand_corr_by_layer"]
        ax.plot(range(len(corr)), corr, marker="o", color=colors[r["method"]], label=r["method"])
    layers = records[0].get("rand_layers") or []
    ax.set_xticks(range(len(layers)), [f"+{name}" for name in layers], fontsize=7, rotation=30, ha="right")
    if records[0].get("sanity_threshold") is not None:
        ax.axhline(records[0]["sanity_threshold"], color="grey", ls="--", lw=1, label="pass below")
    ax.set_ylabel("rank correlation", fontsize=8)
    ax.set_xlabel("layers re-initialised (cumulative, from the output)", fontsize=8)
    ax.set_ylim(-0.05, 1.05)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, frameon=False, loc="lower left")
    return figure_bytes(fig, "svg")
