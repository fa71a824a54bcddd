"""Deletion and insertion curves over a saliency map, scored on audio.

Time-frequency bins of the input's STFT magnitude are removed (deletion) or added to silence
(insertion) in order of decreasing saliency; each intermediate magnitude is turned back into
audio by inverse STFT with the input's phase and scored with the classifier. The curve is the
probability of the target class (softmax or sigmoid, per the classifier's ``output`` type) against
the fraction of bins removed / added, on ``steps + 1`` evenly spaced fractions from 0 to 1;
its area (trapezoid rule) summarises it.
A faithful saliency gives a low deletion area and a high insertion area.

Ties in the saliency are broken by bin index (a stable sort), so binary maps are ordered
deterministically. The saliency must lie on ``grid`` for the input clip: pass the grid that came
with it (``Explanation.grid``), so a head with its own STFT (e.g. n_fft 1024 on ESC-50) is scored on
its own grid.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from lmac.metrics.faithfulness import target_prob
from lmac.spectral import STFT, STFTConfig

__all__ = ["deletion_curve", "insertion_curve", "deletion_insertion_curves", "area_under_curve"]

Classifier = Callable[[torch.Tensor], torch.Tensor]


def _keep_masks(saliency: torch.Tensor, steps: int, deletion: bool) -> torch.Tensor:
    """``(B, F, N)`` saliency -> ``(steps + 1, B, F, N)`` 0/1 masks of the bins kept at each step."""
    batch = saliency.shape[0]
    flat = saliency.flatten(1)
    n_bins = flat.shape[1]
    order = torch.argsort(flat, dim=1, descending=True, stable=True)
    rank = torch.empty_like(order)
    rank.scatter_(1, order, torch.arange(n_bins, device=flat.device).expand(batch, -1))
    counts = torch.round(torch.linspace(0, n_bins, steps + 1, device=flat.device)).long()
    top = rank[None] < counts[:, None, None]  # (steps + 1, B, n_bins): among the first k bins
    keep = ~top if deletion else top
    return keep.float().reshape(steps + 1, *saliency.shape)


@torch.no_grad()
def deletion_insertion_curves(
    classifier: Classifier,
    wav: torch.Tensor,
    saliency: torch.Tensor,
    target: torch.Tensor,
    steps: int = 10,
    *,
    grid: STFTConfig,
    output: str,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Both curves from one batched classifier call: ``(deletion, insertion)``, each ``(B, steps + 1)``.

    Same arguments as :func:`deletion_curve`.
    """
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    stft = STFT(grid).to(wav.device)
    mag, phase = stft(wav)
    if saliency.shape != mag.shape:
        raise ValueError(
            f"saliency {tuple(saliency.shape)} is not on the STFT grid ({stft.grid}) of the input {tuple(mag.shape)}"
        )
    saliency = saliency.to(mag.device)
    keep = torch.cat([_keep_masks(saliency, steps, deletion=True), _keep_masks(saliency, steps, deletion=False)])
    n = keep.shape[0]  # 2 (steps + 1)
    audio = stft.inverse((keep * mag[None]).flatten(0, 1), phase.repeat(n, 1, 1), wav.shape[-1])
    probs = target_prob(classifier(audio), target.repeat(n), output=output).reshape(n, -1).T  # (B, 2 (steps + 1))
    return probs[:, : steps + 1], probs[:, steps + 1 :]


def deletion_curve(
    classifier: Classifier,
    wav: torch.Tensor,
    saliency: torch.Tensor,
    target: torch.Tensor,
    steps: int = 10,
    *,
    grid: STFTConfig,
    output: str,
) -> torch.Tensor:
    """Target probability as the most salient bins are removed.

    Args:
        classifier: ``wav (B, T) -> logits (B, C)``.
        wav: ``(B, T)`` the explained clips.
        saliency: ``(B, F, frames)`` on ``grid`` for ``wav``.
        target: ``(B,)`` class indices.
        steps: number of increments; the curve has ``steps + 1`` points.
        grid: the STFT grid of the saliency (``Explanation.grid``), keyword only.
        output: the classifier's output type, ``"softmax"`` or ``"sigmoid"`` (``classifier.output``).

    Returns:
        ``(B, steps + 1)``; point k has the top ``k / steps`` of the bins removed (point 0 is the
        input rebuilt through the STFT, the last point is silence).
    """
    return deletion_insertion_curves(classifier, wav, saliency, target, steps, grid=grid, output=output)[0]


def insertion_curve(
    classifier: Classifier,
    wav: torch.Tensor,
    saliency: torch.Tensor,
    target: torch.Tensor,
    steps: int = 10,
    *,
    grid: STFTConfig,
    output: str,
) -> torch.Tensor:
    """Target probability as the most salient bins are added to silence.

    Same arguments as :func:`deletion_curve`. Returns ``(B, steps + 1)``; point k keeps only the
    top ``k / steps`` of the bins (point 0 is silence, the last point is the whole input).
    """
    return deletion_insertion_curves(classifier, wav, saliency, target, steps, grid=grid, output=output)[1]


def area_under_curve(curve: torch.Tensor) -> torch.Tensor:
    """Trapezoid area of ``(B, K)`` curves sampled evenly on [0, 1] -> ``(B,)``."""
    if curve.dim() != 2 or curve.shape[1] < 2:
        raise ValueError(f"curve must be (B, K) with K >= 2, got {tuple(curve.shape)}")
    return torch.trapezoid(curve, dx=1.0 / (curve.shape[1] - 1), dim=1)
