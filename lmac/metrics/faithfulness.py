"""Faithfulness metrics on the audio the user hears. Pure functions, per-example outputs.

Inputs are logits ``(B, C)`` of the classifier on the original, explanation and residual
audio, and the explained ``target (B,)``. p, p_in, p_out are the softmax probabilities of
the target class on each.
"""

from __future__ import annotations

import torch

__all__ = ["target_prob", "average_increase", "average_drop", "average_drop_speechbrain", "average_gain",
           "faithfulness", "fidelity_in"]


def target_prob(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Softmax probability of ``target`` per example: ``(B, C), (B,)`` -> ``(B,)``."""
    return logits.softmax(dim=-1).gather(1, target.long()[:, None]).squeeze(1)


def average_increase(logits: torch.Tensor, logits_in: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """AI = 100 * [p_in > p]."""
    return 100.0 * (target_prob(logits_in, target) > target_prob(logits, target)).float()


def average_drop(logits: torch.Tensor, logits_in: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """AD = 100 * max(0, p - p_in) / p."""
    p, p_in = target_prob(logits, target), target_prob(logits_in, target)
    return 100.0 * (p - p_in).clamp_min(0) / p.clamp_min(1e-12)


def average_drop_speechbrain(logits: torch.Tensor, logits_in: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """AD as SpeechBrain's ``recipes/ESC50/interpret`` computes it, for comparing with published tables.

    That recipe applies a softmax to values that are already probabilities, so
    ``q = softmax(softmax(logits))`` and AD_sb = ``100 * max(0, q - q_in) / (q + 1e-5)``. The
    second softmax squashes every probability into ``[1 / (C - 1 + e), e / (C - 1 + e)]``: a full
    drop from p = 1 to p_in = 0 with 50 classes scores ``100 * (1 - 1/e)`` = 63.2, not 100.
    Use :func:`average_drop` for the correct value.
    """
    q = logits.softmax(dim=-1).softmax(dim=-1).gather(1, target.long()[:, None]).squeeze(1)
    q_in = logits_in.softmax(dim=-1).softmax(dim=-1).gather(1, target.long()[:, None]).squeeze(1)
    return 100.0 * (q - q_in).clamp_min(0) / (q + 1e-5)


def average_gain(logits: torch.Tensor, logits_in: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """AG = 100 * max(0, p_in - p) / (1 - p)."""
    p, p_in = target_prob(logits, target), target_prob(logits_in, target)
    return 100.0 * (p_in - p).clamp_min(0) / (1 - p).clamp_min(1e-12)


def faithfulness(logits: torch.Tensor, logits_out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """FF = p - p_out: how much removing the explanation costs the target class."""
    return target_prob(logits, target) - target_prob(logits_out, target)


def fidelity_in(logits_in: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Fid-In = [argmax of the explanation's logits == target], as 0./1."""
    return (logits_in.argmax(dim=-1) == target).float()
