"""Faithfulness metrics on the audio the user hears. Pure functions, per-example outputs.

Inputs are logits ``(B, C)`` of the classifier on the original, explanation and residual
audio, the explained ``target (B,)`` and the classifier's ``output`` type (``"softmax"`` or
``"sigmoid"``, :mod:`lmac.outputs`). p, p_in, p_out are the probabilities of the target class
on each, as the classifier defines them: softmax over the classes, or the target logit's own
sigmoid for a multi-label classifier.
"""

from __future__ import annotations

import torch

from lmac.outputs import check_output, probabilities, target_probability

__all__ = [
    "target_prob",
    "average_increase",
    "average_drop",
    "average_drop_speechbrain",
    "average_gain",
    "faithfulness",
    "fidelity_in",
]


def target_prob(logits: torch.Tensor, target: torch.Tensor, *, output: str) -> torch.Tensor:
    """Probability of ``target`` per example (softmax or sigmoid, per ``output``): ``(B, C), (B,)`` -> ``(B,)``."""
    return target_probability(logits, target, output)


def average_increase(
    logits: torch.Tensor, logits_in: torch.Tensor, target: torch.Tensor, *, output: str
) -> torch.Tensor:
    """AI = 100 * [p_in > p]."""
    return 100.0 * (target_prob(logits_in, target, output=output) > target_prob(logits, target, output=output)).float()


def average_drop(logits: torch.Tensor, logits_in: torch.Tensor, target: torch.Tensor, *, output: str) -> torch.Tensor:
    """AD = 100 * max(0, p - p_in) / p."""
    p, p_in = target_prob(logits, target, output=output), target_prob(logits_in, target, output=output)
    return 100.0 * (p - p_in).clamp_min(0) / p.clamp_min(1e-12)


def average_drop_speechbrain(
    logits: torch.Tensor, logits_in: torch.Tensor, target: torch.Tensor, *, output: str
) -> torch.Tensor:
    """AD as SpeechBrain's ``recipes/ESC50/interpret`` computes it, for comparing with published tables.

    That recipe applies a softmax to values that are already probabilities, so
    ``q = softmax(probabilities(logits))`` and AD_sb = ``100 * max(0, q - q_in) / (q + 1e-5)``. The
    second softmax squashes every probability into ``[1 / (C - 1 + e), e / (C - 1 + e)]``: a full
    drop from p = 1 to p_in = 0 with 50 classes scores ``100 * (1 - 1/e)`` = 63.2, not 100.
    Use :func:`average_drop` for the correct value.
    """
    t = target.long()[:, None]
    q = probabilities(logits, output).softmax(dim=-1).gather(1, t).squeeze(1)
    q_in = probabilities(logits_in, output).softmax(dim=-1).gather(1, t).squeeze(1)
    return 100.0 * (q - q_in).clamp_min(0) / (q + 1e-5)


def average_gain(logits: torch.Tensor, logits_in: torch.Tensor, target: torch.Tensor, *, output: str) -> torch.Tensor:
    """AG = 100 * max(0, p_in - p) / (1 - p)."""
    p, p_in = target_prob(logits, target, output=output), target_prob(logits_in, target, output=output)
    return 100.0 * (p_in - p).clamp_min(0) / (1 - p).clamp_min(1e-12)


def faithfulness(logits: torch.Tensor, logits_out: torch.Tensor, target: torch.Tensor, *, output: str) -> torch.Tensor:
    """FF = p - p_out: how much removing the explanation costs the target class."""
    return target_prob(logits, target, output=output) - target_prob(logits_out, target, output=output)


def fidelity_in(logits_in: torch.Tensor, target: torch.Tensor, *, output: str, threshold: float = 0.5) -> torch.Tensor:
    """Fid-In, as 0./1.: the explanation alone keeps the decision.

    Softmax: ``[argmax of the explanation's logits == target]`` (the target still wins). Sigmoid
    (multi-label, where several classes may be "on" at once): ``[p_in >= threshold]``, the target
    is still detected; the default threshold 0.5 is the usual decision threshold of a sigmoid tagger.
    """
    if check_output(output) == "sigmoid":
        return (target_prob(logits_in, target, output=output) >= threshold).float()
    return (logits_in.argmax(dim=-1) == target).float()
