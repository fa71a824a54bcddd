"""A clip's two-level explanation on the report page (``lmac explain`` with a concept classifier).

The clip's JSON holds both levels under ``levels`` (:meth:`~lmac.explainers.concepts.ConceptExplanation.record`)
and names the per-concept source files under ``levels.sources_wav`` (``"<method>.<rank>"`` ->
``<stem>.<method>.<rank>_<concept>.wav``, :func:`lmac.tasks.concepts.concept_paths`). The page shows
the concept bar chart (level 2: each concept's effect on the output) and, for each top concept, a
player per level-1 method: the sounds that produce the concept.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from matplotlib.figure import Figure

from lmac.report.media import svg_uri
from lmac.report.plots import figure_bytes

__all__ = ["concept_chart", "concept_card"]


def concept_chart(levels: dict) -> bytes:
    """Level 2 as a horizontal bar chart (SVG bytes): one bar per concept, its effect on the output
    (value x weight; positive raises it), strongest on top, labelled ``value x weight``."""
    rows = levels["level2"]
    fig = Figure(figsize=(5.6, 0.45 * len(rows) + 0.9), layout="constrained")
    ax = fig.subplots()
    effects = [r["effect"] for r in rows][::-1]
    colors = ["#2a9d8f" if e >= 0 else "#e76f51" for e in effects]
    bars = ax.barh([r["concept"] for r in rows][::-1], effects, color=colors)
    labels = [f"{r['value']:.2f} x {r['weight']:.2f}" for r in rows][::-1]
    ax.bar_label(bars, labels=labels, padding=3, fontsize=7)
    ax.axvline(0, color="black", linewidth=0.8)
    span = max((abs(e) for e in effects), default=1.0) or 1.0
    ax.set_xlim(-1.6 * span, 1.6 * span)
    ax.set_xlabel(f"effect on {levels['target_name']} (value x weight)", fontsize=8)
    ax.set_title(
        f"{levels['target_name']} = {levels['output_value']:.3f} = bias {levels['bias']:.3f} + the effects",
        fontsize=9,
        loc="left",
    )
    ax.tick_params(labelsize=8)
    return figure_bytes(fig, format="svg")


def concept_card(record: dict, sources: dict[str, np.ndarray], play: Callable[[np.ndarray], str]) -> dict | None:
    """The concept part of a clip card: ``None`` for a clip without two levels.

    Args:
        record: the clip's JSON (``levels`` with ``level2``, ``level1`` and ``sources_wav``).
        sources: ``"<method>.<rank>"`` -> ``(T,)`` the level-1 explanation of that rank's concept.
        play: turns a signal into a player's data URI (the clip's gain and format).

    Returns:
        ``chart`` (data URI) and ``concepts``: per explained concept, strongest first, its ``name``,
        ``effect``, ``relative_effect`` and ``sources`` (``method``, ``audio``, ``selected``: the
        components LIME kept, if any).
    """
    levels = record.get("levels")
    if not levels:
        return None
    levels = {**levels, "target_name": record["target_name"]}
    level2 = {row["concept"]: row for row in levels["level2"]}
    concepts: dict[str, dict] = {}
    for method, ranks in levels["level1"].items():
        for rank, entry in enumerate(ranks, start=1):
            row = level2[entry["concept"]]
            card = concepts.setdefault(
                entry["concept"],
                {
                    "name": entry["concept"],
                    "effect": row["effect"],
                    "relative_effect": row["relative_effect"],
                    "sources": [],
                },
            )
            key = f"{method}.{rank}"
            if key in sources:
                card["sources"].append(
                    {"method": method, "audio": play(sources[key]), "selected": entry["extras"].get("selected")}
                )
    return {"chart": svg_uri(concept_chart(levels)), "concepts": list(concepts.values())}
