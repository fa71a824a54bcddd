"""Localisation against ground-truth stems, on the audio. Pure functions, per-example outputs.

``stems`` maps a source name to its ``(B, T)`` signal, with the mixture equal to their sum
(as the built-in data provides). Absent sources are all-zero stems.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = ["stem_energy_share", "si_sdr", "confound_detected", "select_stem", "stem_sounds"]


def _check(explanation_wav: torch.Tensor, stems: dict[str, torch.Tensor]) -> None:
    if not stems:
        raise ValueError("stems is empty: localisation needs at least one ground-truth stem")
    for name, stem in stems.items():
        if stem.shape != explanation_wav.shape:
            raise ValueError(f"stem {name!r} has shape {tuple(stem.shape)}, explanation {tuple(explanation_wav.shape)}")


def stem_energy_share(explanation_wav: torch.Tensor, stems: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Share of the explanation attributable to each stem.

    With ``e`` the explanation and ``s_k`` the stems (all ``(B, T)``), the share of stem k is
    ``max(0, <e, s_k>) / sum_j max(0, <e, s_j>)`` (0 where the sum is 0). Since the mixture is
    the sum of the stems, ``<e, s_k>`` is stem k's part of the explanation's projection on the
    mixture: an explanation equal to stem k scores 1 for k when the stems are orthogonal, and
    stems the explanation is anti-correlated with get no share. Shares sum to 1 (or are all 0).

    Args:
        explanation_wav: ``(B, T)``.
        stems: name -> ``(B, T)``.

    Returns:
        name -> ``(B,)`` share in [0, 1].
    """
    _check(explanation_wav, stems)
    dots = {name: (explanation_wav * s).sum(dim=-1).clamp_min(0) for name, s in stems.items()}
    total = torch.stack(list(dots.values())).sum(dim=0)
    safe = torch.where(total > 0, total, torch.ones_like(total))
    return {name: torch.where(total > 0, d / safe, torch.zeros_like(d)) for name, d in dots.items()}


def si_sdr(estimate: torch.Tensor, reference: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Scale-invariant SDR in dB (Le Roux et al. 2019), ``(B, T), (B, T)`` -> ``(B,)``.

    Both signals are made zero-mean; with ``alpha = <e, r> / ||r||^2`` the score is
    ``10 log10(||alpha r||^2 / ||e - alpha r||^2)``. ``eps`` keeps silent inputs finite.
    """
    if estimate.shape != reference.shape or estimate.dim() != 2:
        raise ValueError(
            f"si_sdr needs two (B, T) tensors of one shape, got {tuple(estimate.shape)} and {tuple(reference.shape)}"
        )
    est = estimate - estimate.mean(dim=-1, keepdim=True)
    ref = reference - reference.mean(dim=-1, keepdim=True)
    alpha = (est * ref).sum(-1, keepdim=True) / (ref.pow(2).sum(-1, keepdim=True) + eps)
    target = alpha * ref
    noise = est - target
    return 10 * torch.log10((target.pow(2).sum(-1) + eps) / (noise.pow(2).sum(-1) + eps))


def confound_detected(
    explanation_wav: torch.Tensor, stems: dict[str, torch.Tensor], confound: str = "drums"
) -> torch.Tensor:
    """1. where the ``confound`` stem has the largest :func:`stem_energy_share`, else 0.: ``(B,)``.

    Averaged over the ``confound`` task's ``test_bad`` split this is the share of clips whose
    explanation is dominated by the confounding stem. Clips with no positive share score 0.
    """
    if confound not in stems:
        raise ValueError(f"no stem named {confound!r}; stems are {sorted(stems)}")
    shares = stem_energy_share(explanation_wav, stems)
    names = list(shares)
    stacked = torch.stack([shares[n] for n in names])
    top = stacked.argmax(dim=0)
    return ((top == names.index(confound)) & (stacked.sum(dim=0) > 0)).float()


def select_stem(stems: dict[str, torch.Tensor], names: Sequence[str]) -> torch.Tensor:
    """Pick one stem per example: ``names[b]`` for row b -> ``(B, T)`` (e.g. the target class's stem)."""
    missing = sorted(set(names) - set(stems))
    if missing:
        raise ValueError(f"no stems named {missing}; stems are {sorted(stems)}")
    return torch.stack([stems[name][b] for b, name in enumerate(names)])


def stem_sounds(stem: torch.Tensor, wav: torch.Tensor, floor_db: float = -60.0) -> torch.Tensor:
    """``(B,)`` bool: the ``(B, T)`` stem holds more than ``floor_db`` of the ``(B, T)`` clip's energy
    (an absent source is an all-zero stem)."""
    return stem.pow(2).sum(-1) > 10 ** (floor_db / 10) * wav.pow(2).sum(-1).clamp_min(1e-12)
