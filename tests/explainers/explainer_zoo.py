"""Tiny explainers of every kind, shared by the explainer tests (not a test module)."""

from __future__ import annotations

import torch
import torchaudio
from conftest import SR, tiny_classifier, tiny_head
from torch import nn

from lmac.classifiers import TappedClassifier
from lmac.data.synthetic import make_item
from lmac.explainers import LMAC
from lmac.explainers.controls import InputReference, SpectrumControl
from lmac.explainers.factorizations import (
    NMFFactorization,
    OracleStems,
    SeparatorFactorization,
    TimeFrequencyGrid,
    TimeSegments,
)
from lmac.explainers.gradients import GradCAM, IntegratedGradients, Saliency, SmoothGrad
from lmac.explainers.lime import SourceLIME
from lmac.heads.components import ComponentGateHead, SoloComponentGateHead


def wave_classifier(classes=("piano", "guitar", "organ", "flute")) -> TappedClassifier:
    """A tiny waveform CNN without ``logits_from_magnitude`` (gradients go through the inverse STFT)."""
    torch.manual_seed(2)
    net = nn.Sequential(
        nn.Unflatten(1, (1, -1)),
        nn.Conv1d(1, 4, 64, stride=16),
        nn.ReLU(),
        nn.Conv1d(4, 8, 16, stride=4),
        nn.ReLU(),
        nn.AdaptiveAvgPool1d(1),
        nn.Flatten(),
        nn.Linear(8, len(classes)),
    )
    return TappedClassifier(net, ["3"], SR, list(classes), 0.5).freeze()


def band_split(wav: torch.Tensor) -> dict[str, torch.Tensor]:
    """A toy 'separator': low band and high band."""
    low = torchaudio.functional.lowpass_biquad(wav, SR, 1000.0)
    return {"low": low, "high": torchaudio.functional.highpass_biquad(wav, SR, 1000.0)}


def mixtures(n: int = 2, seconds: float = 0.5) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``n`` built-in instrument mixtures ``(n, T)`` and their stems ``{name: (n, T)}``."""
    items = [
        make_item("instruments", "test", i % 4, seed=100 + i, sample_rate=SR, clip_seconds=seconds) for i in range(n)
    ]
    stems = {k: torch.stack([it["stems"][k] for it in items]) for k in items[0]["stems"]}
    return torch.stack([it["wav"] for it in items]), stems


def gate_head(classifier, kind=ComponentGateHead) -> ComponentGateHead:
    """A tiny source-level head (one gate per oracle stem: the contract binds the stems)."""
    torch.manual_seed(1)
    return kind(classifier.feature_shapes(), classifier.n_classes, sample_rate=SR, tap_channels=8, hidden=16)


def lime(classifier, factorization, **kw) -> SourceLIME:
    return SourceLIME(classifier, factorization, **{"n_samples": 16, "progress": False, "batch_size": 8, **kw})


# id -> (factory(classifier), classifier factory, stochastic in its seed, batch-invariant)
ZOO = {
    "lmac": (lambda c: LMAC(c, tiny_head(c)), tiny_classifier, False, True),
    "lmac-gate": (lambda c: LMAC(c, gate_head(c)), tiny_classifier, False, True),
    "lmac-solo-gate": (lambda c: LMAC(c, gate_head(c, SoloComponentGateHead)), tiny_classifier, False, True),
    "lime-oracle": (lambda c: lime(c, OracleStems(), n_samples="exhaustive"), tiny_classifier, False, True),
    "lime-oracle-segments": (lambda c: lime(c, TimeSegments(2, OracleStems())), tiny_classifier, True, True),
    "lime-separator": (
        lambda c: lime(c, TimeSegments(2, SeparatorFactorization(band_split))),
        tiny_classifier,
        True,
        True,
    ),
    "lime-nmf": (lambda c: lime(c, NMFFactorization(3, max_iter=50)), tiny_classifier, True, True),
    "lime-segments": (lambda c: lime(c, TimeSegments(4), top_k=None), wave_classifier, True, True),
    "lime-slime": (lambda c: lime(c, TimeFrequencyGrid(2, 2)), tiny_classifier, True, True),
    "saliency": (Saliency, tiny_classifier, False, True),
    "integrated-gradients": (lambda c: IntegratedGradients(c, n_steps=4), tiny_classifier, False, True),
    "smoothgrad": (lambda c: SmoothGrad(c, n_samples=3, noise_level=0.2), tiny_classifier, True, False),
    "gradcam": (GradCAM, tiny_classifier, False, True),
    "saliency-wave": (Saliency, wave_classifier, False, True),
    "integrated-gradients-wave": (lambda c: IntegratedGradients(c, n_steps=4), wave_classifier, False, True),
    "smoothgrad-wave": (lambda c: SmoothGrad(c, n_samples=3), wave_classifier, True, False),
    "gradcam-wave": (GradCAM, wave_classifier, False, True),
    "control": (SpectrumControl, tiny_classifier, False, True),
    "input": (InputReference, tiny_classifier, False, True),
}
