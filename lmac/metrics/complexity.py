"""Complexity of a saliency map: sparseness (SPS) and complexity (COMP). Pure, per example.

Both follow Quantus' definitions (``quantus.Sparseness`` after Chalasani et al. 2020 and
``quantus.Complexity`` after Bhatt et al. 2020) with Quantus' defaults: the absolute value of
the map is taken and each map is divided by its maximum (``normalise_by_max``) before scoring.
Maps are flattened, so ``(B, F, frames)`` and any other ``(B, ...)`` shape work.
"""

from __future__ import annotations

import torch

__all__ = ["sparseness", "complexity"]


def _normalised(saliency: torch.Tensor) -> torch.Tensor:
    """``(B, ...)`` -> ``(B, N)``: absolute values divided by the per-example maximum (zeros stay zeros)."""
    if saliency.dim() < 2:
        raise ValueError(f"saliency must be (B, ...), got {tuple(saliency.shape)}")
    a = saliency.detach().abs().flatten(1).double()
    peak = a.amax(dim=1, keepdim=True)
    return torch.where(peak > 0, a / peak.clamp_min(1e-300), a)


def sparseness(saliency: torch.Tensor) -> torch.Tensor:
    """SPS: Gini index of the saliency, ``(B, ...)`` -> ``(B,)`` in [0, 1); higher is sparser.

    With ``a`` the N normalised values sorted ascending (plus Quantus' 1e-7 offset) and
    ``i = 1..N``: ``G = sum((2 i - N - 1) a_i) / (N sum(a_i))``. One non-zero bin gives
    ``(N - 1) / N`` (up to the offset), a constant map gives 0.
    """
    a = torch.sort(_normalised(saliency) + 1e-7, dim=1).values
    n = a.shape[1]
    i = torch.arange(1, n + 1, dtype=a.dtype, device=a.device)
    return (((2 * i - n - 1) * a).sum(dim=1) / (n * a.sum(dim=1))).float()


def complexity(saliency: torch.Tensor) -> torch.Tensor:
    """COMP: entropy (nats) of the saliency normalised to sum to one, ``(B, ...)`` -> ``(B,)``.

    ``H = -sum(q log(q + 1e-12))`` with ``q = a / sum(a)``. One non-zero bin gives 0, a constant
    map over N bins gives ``log N`` (the maximum). An all-zero map gives NaN, as in Quantus.
    """
    a = _normalised(saliency)
    q = a / a.sum(dim=1, keepdim=True)
    return (-(q * torch.log(q + 1e-12)).sum(dim=1)).float()
