"""Concept classifiers for tests: a hand-made one whose concepts are band energies, and a tiny ConceptCNN."""

from __future__ import annotations

import torch
from conftest import SR
from torch import nn

from lmac.checkpoint import capture_init
from lmac.classifiers import ConceptCNN
from lmac.classifiers.concepts import ConceptClassifier
from lmac.spectral import STFT, STFTConfig


class BandConcepts(ConceptClassifier):
    """Concepts ``low`` (energy below 1 kHz) and ``high`` (above 2 kHz), times 1e-3; outputs
    ``calm`` and ``tense`` a fixed linear map of them (``weights (2, 2)``)."""

    concept_names = ["low", "high"]

    def __init__(self, weights=((1.0, 0.2), (-0.3, 1.0)), bias=(0.0, 0.1)):
        super().__init__(SR, ["calm", "tense"], 0.5, "regression")
        self.stft = STFT(STFTConfig())
        self.layer = nn.Linear(2, 2)
        with torch.no_grad():
            self.layer.weight.copy_(torch.tensor(weights))
            self.layer.bias.copy_(torch.tensor(bias))
        self.freeze()

    @property
    def concept_layer(self) -> nn.Linear:
        return self.layer

    def _power(self, wav):
        return self.stft.complex(wav).abs() ** 2  # (B, F, frames)

    def concepts(self, wav):
        power = self._power(wav)
        freqs = torch.linspace(0, SR / 2, power.shape[1])
        return 1e-3 * torch.stack(
            [power[:, freqs < 1000].sum(1).mean(-1), power[:, freqs > 2000].sum(1).mean(-1)], dim=1
        )

    def forward(self, wav):
        return self.layer(self.concepts(wav))

    def features(self, wav):
        return [self._power(wav)[:, None]]


def two_tones(seconds: float = 0.5) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """A clip ``(1, T)`` of a 200 Hz tone (stem ``bass``) and a 3 kHz tone (stem ``whistle``), equal level."""
    t = torch.arange(int(seconds * SR)) / SR
    stems = {
        "bass": 0.3 * torch.sin(2 * torch.pi * 200 * t)[None],
        "whistle": 0.3 * torch.sin(2 * torch.pi * 3000 * t)[None],
    }
    return stems["bass"] + stems["whistle"], stems


def tiny_concept_cnn(seconds: float = 2.0) -> ConceptCNN:
    from lmac.data.concepts import CONCEPTS, EMOTIONS

    torch.manual_seed(0)
    return ConceptCNN(EMOTIONS, CONCEPTS, sample_rate=SR, clip_seconds=seconds, n_mels=32, channels=(4, 8)).freeze()


class DescribedBandConcepts(BandConcepts):
    """:class:`BandConcepts` that records its init kwargs, so a checkpoint can rebuild it: a concept
    classifier from outside lmac, as a user's own would be."""

    @capture_init
    def __init__(self, weights=((1.0, 0.2), (-0.3, 1.0)), bias=(0.0, 0.1)):
        super().__init__(weights, bias)
