"""A :class:`~lmac.global_.runner.GlobalResult` as records, rankings, a validation and a Markdown table."""

from __future__ import annotations

import math

import torch

from lmac.global_.runner import GlobalResult
from lmac.global_.scores import SCORES, class_sums

__all__ = ["score_records", "ranking", "validation", "to_markdown"]


def ranking(scores: torch.Tensor, names: list[str]) -> list[str]:
    """Feature names of one class's ``(K,)`` scores, highest first (``NaN`` last, ties by name order)."""
    keyed = [(-float(s) if not math.isnan(float(s)) else math.inf, k) for k, s in enumerate(scores.tolist())]
    return [names[k] for _, k in sorted(keyed)]


def score_records(result: GlobalResult) -> list[dict]:
    """One record per (method, predicted class, feature): ``method``, ``class``, ``feature``, ``kind``,
    ``n_clips`` (clips predicted as the class), ``n_present`` (those where the feature is present),
    each score of :data:`~lmac.global_.scores.SCORES` and its rank within the class (1 = top)."""
    records = []
    for name, agg in result.methods.items():
        scores = agg.scores(len(result.class_names))
        _, counts = class_sums(agg.weights, agg.predicted, len(result.class_names))
        for c, cls in enumerate(result.class_names):
            n_clips = int((agg.predicted == c).sum())
            if n_clips == 0:
                continue
            ranks = {key: ranking(scores[key][c], agg.names) for key in SCORES}
            for k, feature in enumerate(agg.names):
                record = {
                    "method": name,
                    "class": cls,
                    "feature": feature,
                    "kind": agg.kind,
                    "n_clips": n_clips,
                    "n_present": int(counts[c, k]),
                }
                for key in SCORES:
                    value = float(scores[key][c, k])
                    record[key] = None if math.isnan(value) else value
                    record[f"rank_{key}"] = ranks[key].index(feature) + 1
                records.append(record)
    return records


def validation(result: GlobalResult) -> list[dict]:
    """For every method and every class of ``result.expected``: whether the aggregation recovers the
    features the task says carry the class. With ``k`` expected features, ``recovered_<score>`` is the
    share of them among the class's top ``k`` by that score (1 = all recovered; ``None`` when no clip
    was predicted as the class); ``top_<score>`` lists those top ``k``."""
    rows = []
    for name, agg in result.methods.items():
        scores = agg.scores(len(result.class_names))
        for cls, features in (result.expected or {}).items():
            c = result.class_names.index(cls)
            row = {"method": name, "class": cls, "expected": list(features), "n_clips": int((agg.predicted == c).sum())}
            for key in SCORES:
                top = ranking(scores[key][c], agg.names)[: len(features)] if row["n_clips"] else []
                row[f"top_{key}"] = top
                row[f"recovered_{key}"] = len(set(top) & set(features)) / len(features) if row["n_clips"] else None
            rows.append(row)
    return rows


def _top(scores: torch.Tensor, names: list[str], n: int) -> str:
    ordered = ranking(scores, names)[:n]
    return ", ".join(f"{f} {float(scores[names.index(f)]):.3g}" for f in ordered)


def to_markdown(result: GlobalResult, top: int = 3) -> str:
    """One table per method: per predicted class, the clips, and the ``top`` features by each score (with
    their values); then, when the task names the features that carry each class, the validation."""
    blocks = []
    for name, agg in result.methods.items():
        scores = agg.scores(len(result.class_names))
        head = ["class", "clips"] + [f"top by {SCORES[k]}" for k in SCORES]
        lines = [f"### {name} ({agg.kind})", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for c, cls in enumerate(result.class_names):
            n_clips = int((agg.predicted == c).sum())
            cells = [cls, str(n_clips)] + [_top(scores[k][c], agg.names, top) if n_clips else "–" for k in SCORES]
            lines.append("| " + " | ".join(cells) + " |")
        blocks.append("\n".join(lines))
    rows = validation(result)
    if rows:
        head = ["method", "class", "expected", "clips"] + [f"recovered ({SCORES[k]})" for k in SCORES]
        lines = [
            "### validation: are the features that carry each class on top?",
            "",
            "| " + " | ".join(head) + " |",
            "|" + "---|" * len(head),
        ]
        for r in rows:
            cells = [r["method"], r["class"], ", ".join(r["expected"]), str(r["n_clips"])]
            cells += [
                "–" if r[f"recovered_{k}"] is None else f"{r[f'recovered_{k}']:.2f} ({', '.join(r[f'top_{k}'])})"
                for k in SCORES
            ]
            lines.append("| " + " | ".join(cells) + " |")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
