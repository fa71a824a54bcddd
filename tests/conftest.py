"""Shared fixtures: tiny models and generated audio. No network, no shipped weights needed."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import torch

from lmac.classifiers import MelCNN
from lmac.explainers import LMAC
from lmac.heads import SpectrogramMaskHead

SR = 16000
CLASSES = ["piano", "guitar", "organ", "flute"]


def tiny_classifier(classes=CLASSES, seconds: float = 0.5, output: str = "softmax") -> MelCNN:
    torch.manual_seed(0)
    return MelCNN(
        list(classes), sample_rate=SR, clip_seconds=seconds, n_mels=32, channels=(4, 8), output=output
    ).freeze()


def tiny_head(classifier, decoder: str = "temporal") -> SpectrogramMaskHead:
    torch.manual_seed(1)
    return SpectrogramMaskHead(
        classifier.feature_shapes(), classifier.n_classes, tap_channels=8, hidden=16, decoder=decoder
    )


@pytest.fixture
def classifier() -> MelCNN:
    return tiny_classifier()


@pytest.fixture
def explainer(classifier) -> LMAC:
    return LMAC(classifier, tiny_head(classifier))


@pytest.fixture
def tone() -> torch.Tensor:
    """A 0.5 s 440 Hz tone plus a little noise, ``(T,)``."""
    t = torch.arange(SR // 2) / SR
    return 0.5 * torch.sin(2 * np.pi * 440 * t) + 0.01 * torch.randn(len(t), generator=torch.Generator().manual_seed(0))


@pytest.fixture
def write_wav(tmp_path):
    """Write a ``(T,)`` or ``(T, channels)`` array to ``tmp_path/name``."""

    def _write(name: str, data, sample_rate: int = SR, subtype: str | None = None):
        path = tmp_path / name
        sf.write(str(path), np.asarray(data, dtype=np.float32), sample_rate, subtype=subtype)
        return path

    return _write
