"""Does a mask depend on the class asked for, and is it still soft? Pure functions, per-example outputs.

Used as validation metrics while a head trains (``val/unsaturated``, ``val/target_corr``,
``val/mix_both``) and by the sanity suite.
"""

from __future__ import annotations

import torch

from lmac.losses import oracle_mask
from lmac.metrics.localization import stem_energy_share

__all__ = ["unsaturated_share", "map_correlation", "asked_source_share", "both_kept", "oracle_contrast"]


def unsaturated_share(mask: torch.Tensor, low: float = 0.05, high: float = 0.95) -> torch.Tensor:
    """Share of mask values strictly inside ``(low, high)``: ``(B, ...)`` -> ``(B,)``.

    A decoder whose mask bins sit at exactly 0 or 1 has no gradient left (a share near 0).
    """
    return ((mask > low) & (mask < high)).flatten(1).float().mean(dim=1)


def map_correlation(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Pearson correlation per example of two maps of one shape: ``(B, ...)`` x2 -> ``(B,)``.

    Masks for two different classes on one clip should not be the same map (a correlation near
    1 means the target conditioning does nothing). Constant maps: 1 if equal, else 0.
    """
    if a.shape != b.shape:
        raise ValueError(f"maps differ in shape: {tuple(a.shape)} vs {tuple(b.shape)}")
    x = a.flatten(1).double() - a.flatten(1).double().mean(dim=1, keepdim=True)
    y = b.flatten(1).double() - b.flatten(1).double().mean(dim=1, keepdim=True)
    denom = x.norm(dim=1) * y.norm(dim=1)
    equal = (a.flatten(1) == b.flatten(1)).all(dim=1)
    corr = torch.where(denom > 0, (x * y).sum(dim=1) / denom.clamp_min(1e-300), equal.double())
    return corr.float()


def asked_source_share(explanation_wav: torch.Tensor, sources: torch.Tensor) -> torch.Tensor:
    """:func:`~lmac.metrics.localization.stem_energy_share` of the asked-for source.

    Args:
        explanation_wav: ``(B, T)`` explanations of mixtures.
        sources: ``(B, 2, T)``: the asked-for source, then the other; the mixture is their sum.

    Returns:
        ``(B,)`` in [0, 1].
    """
    return stem_energy_share(explanation_wav, {"asked": sources[:, 0], "other": sources[:, 1]})["asked"]


def both_kept(share: torch.Tensor, mixture_index: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """Per mixture, 1. when every explanation of it keeps its asked-for source (share > ``threshold``).

    Args:
        share: ``(N,)`` asked-source share of each explanation.
        mixture_index: ``(N,)`` which mixture each explanation belongs to (``0 .. M - 1``).

    Returns:
        ``(M,)`` of 0./1.
    """
    n_mix = int(mixture_index.max()) + 1 if mixture_index.numel() else 0
    kept = torch.ones(n_mix, dtype=torch.bool, device=share.device)
    kept = kept.scatter_reduce(0, mixture_index, share > threshold, reduce="amin")
    return kept.float()


def oracle_contrast(saliency: torch.Tensor, clean_mag: torch.Tensor, threshold: float = 0.35) -> torch.Tensor:
    """How much more a mask keeps of a source's oracle bins than of the rest: the mean of ``saliency`` on the
    bins of :func:`~lmac.losses.oracle_mask` minus its mean off them (0 for a mask that ignores the source;
    NaN for a silent source).

    ``saliency``, ``clean_mag`` (the source's magnitude) ``(B, F, N)`` on one grid -> ``(B,)``.
    """
    on = oracle_mask(clean_mag, threshold).flatten(1)
    saliency = saliency.flatten(1)
    return (saliency * on).sum(1) / on.sum(1) - (saliency * (1 - on)).sum(1) / (1 - on).sum(1)
