"""Scores of two-level (concept) explanations against a known ground truth. Pure functions.

* :func:`concept_r2`: how well a concept layer predicts the true concepts, per concept.
* :func:`effect_rank_correlation`: per clip, Spearman correlation between the explained concept
  effects and the true ones (level 2: does the explanation rank the concepts as the task does?).
* :func:`top_match`: per clip, whether two rankings agree on the first item (the top concept, or
  the top source of a concept at level 1).
"""

from __future__ import annotations

import torch

__all__ = ["concept_r2", "effect_rank_correlation", "top_match"]


def concept_r2(predicted: torch.Tensor, true: torch.Tensor) -> torch.Tensor:
    """Coefficient of determination per concept: ``1 - SS_res / SS_tot`` over the clips.

    Args:
        predicted, true: ``(N, K)``.

    Returns:
        ``(K,)``; a concept that does not vary in ``true`` scores ``nan``.
    """
    true = true.to(predicted)
    ss_res = ((predicted - true) ** 2).sum(dim=0)
    ss_tot = ((true - true.mean(dim=0)) ** 2).sum(dim=0)
    return 1 - ss_res / ss_tot.masked_fill(ss_tot == 0, float("nan"))


def _ranks(x: torch.Tensor) -> torch.Tensor:
    """Ranks ``0..K-1`` along the last axis (ties broken by position)."""
    return x.argsort(dim=-1, stable=True).argsort(dim=-1, stable=True).to(torch.float64)


def effect_rank_correlation(effects: torch.Tensor, true_effects: torch.Tensor) -> torch.Tensor:
    """Spearman correlation per clip between ``effects (B, K)`` and ``true_effects (B, K)`` (signed
    effects: a concept that pushes the output down ranks low). ``(B,)`` in [-1, 1]."""
    a, b = _ranks(effects), _ranks(true_effects.to(effects))
    a, b = a - a.mean(dim=-1, keepdim=True), b - b.mean(dim=-1, keepdim=True)
    return ((a * b).sum(-1) / (a.norm(dim=-1) * b.norm(dim=-1)).clamp_min(1e-12)).to(effects.dtype)


def top_match(scores: torch.Tensor, true_scores: torch.Tensor) -> torch.Tensor:
    """``1.`` per clip where ``scores (B, K)`` and ``true_scores (B, K)`` have the same argmax, else ``0.``."""
    return (scores.argmax(dim=-1) == true_scores.to(scores.device).argmax(dim=-1)).float()
