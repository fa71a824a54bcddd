"""Clips of any length: pad short ones, explain long ones window by window and stitch.

A clip longer than the classifier's window ``W`` is cut into windows of ``W`` samples with
50% overlap (the last window is aligned to the clip's end). The clip's class is the argmax
of the mean logits over windows; every window is explained for that same target, and the
explanation and residual are stitched by overlap-add with Hann weights normalised by their
sum (so a constant signal passes unchanged). The stitched saliency is the explanation's
STFT magnitude relative to the input's, clipped to [0, 1], on the explainer's grid (``exp.grid``).
"""

from __future__ import annotations

import torch

from lmac.audio import fix_length, validate_wav
from lmac.explainers.base import Explainer, Target
from lmac.explanation import Explanation
from lmac.spectral import STFT, relative_magnitude

__all__ = ["window_starts", "classify_clip", "explain_clip"]


def window_starts(n_samples: int, window: int) -> list[int]:
    """Start offsets of 50%-overlapping windows covering ``n_samples`` (last one end-aligned)."""
    if n_samples <= window:
        return [0]
    hop = max(window // 2, 1)
    starts = list(range(0, n_samples - window + 1, hop))
    if starts[-1] + window < n_samples:
        starts.append(n_samples - window)
    return starts


def _windows(wav: torch.Tensor, window: int) -> tuple[torch.Tensor, list[int]]:
    """``wav (T,)`` -> ``(n_windows, window)`` and their starts (short clips zero-padded)."""
    starts = window_starts(wav.shape[-1], window)
    padded = fix_length(wav, max(window, wav.shape[-1]))
    return torch.stack([padded[s:s + window] for s in starts]), starts


@torch.no_grad()
def classify_clip(classifier, wav: torch.Tensor) -> torch.Tensor:
    """Logits ``(C,)`` of a ``(T,)`` clip of any length: mean over its windows."""
    device = next(classifier.parameters(), torch.empty(0)).device
    chunks, _ = _windows(wav.to(device), classifier.clip_samples)
    return classifier(chunks).mean(dim=0)


def _overlap_add(chunks: torch.Tensor, starts: list[int], length: int) -> torch.Tensor:
    """Stitch ``(n, W)`` windows into ``(length,)`` with normalised Hann weights."""
    window = chunks.shape[-1]
    weight = torch.hann_window(window, periodic=False, device=chunks.device) + 1e-3
    out = torch.zeros(max(length, starts[-1] + window), device=chunks.device)
    norm = torch.zeros_like(out)
    for chunk, s in zip(chunks, starts):
        out[s:s + window] += chunk * weight
        norm[s:s + window] += weight
    return (out / norm)[:length]


def explain_clip(explainer: Explainer, wav: torch.Tensor, target: Target = None) -> Explanation:
    """Explain one ``(T,)`` clip of any length; returns a batch-of-one :class:`Explanation`."""
    wav = validate_wav(wav, "wav")
    if wav.dim() != 1:
        raise ValueError(f"explain_clip takes one (T,) clip, got {tuple(wav.shape)}")
    classifier = explainer.classifier
    window, length = classifier.clip_samples, wav.shape[-1]
    chunks, starts = _windows(wav, window)
    if target is None:
        target = int(classify_clip(classifier, wav).argmax())
    exp = explainer.explain(chunks, target=[target if isinstance(target, str) else int(target)] * len(starts))
    if length == window:
        return exp
    if len(starts) == 1:  # zero-padded short clip: crop back (centred frames: the first ones cover the clip)
        full = wav[None].to(exp.wav.device)
        saliency = exp.saliency[..., :exp.grid.n_frames(length)]
        return Explanation(full, exp.explanation_wav[:, :length], exp.residual_wav[:, :length], saliency,
                           exp.target[:1], exp.method, exp.sample_rate, exp.grid, exp.extras)
    explanation = _overlap_add(exp.explanation_wav, starts, length)[None]
    residual = _overlap_add(exp.residual_wav, starts, length)[None]
    full = wav[None].to(explanation.device)
    saliency = relative_magnitude(explanation, full, STFT(exp.grid).to(full.device))
    return Explanation(full, explanation, residual, saliency, exp.target[:1], exp.method, exp.sample_rate, exp.grid,
                       {**exp.extras, "windows": starts})
