"""Bring your own model: wrap any ``nn.Module`` and tap named layers with forward hooks."""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from lmac.classifiers.base import AudioClassifier

__all__ = ["TappedClassifier"]


class TappedClassifier(AudioClassifier):
    """Adapter from any PyTorch classifier to :class:`AudioClassifier`.

    Args:
        model: the network; ``model(preprocess(wav))`` must return logits ``(B, C)``.
        layers: names of submodules (as in ``model.named_modules()``) whose outputs are the
            head's features, listed deepest first.
        sample_rate, class_names, clip_seconds: see :class:`AudioClassifier`.
        preprocess: optional waveform transform the model expects (e.g. a mel front end);
            identity for waveform models.

    Example::

        clf = TappedClassifier(my_net, layers=["conv4", "conv3"], sample_rate=16000,
                               class_names=["dog", "rain"], clip_seconds=5.0,
                               preprocess=torchaudio.transforms.MelSpectrogram(16000))
    """

    def __init__(self, model: nn.Module, layers: list[str], sample_rate: int, class_names: list[str],
                 clip_seconds: float, preprocess: Callable[[torch.Tensor], torch.Tensor] | None = None):
        super().__init__(sample_rate, class_names, clip_seconds)
        names = dict(model.named_modules())
        missing = [n for n in layers if n not in names]
        if missing:
            raise ValueError(f"layers {missing} not found in the model; available: {sorted(n for n in names if n)}")
        if not layers:
            raise ValueError("name at least one layer to tap for features")
        self.model = model
        self.layers = list(layers)
        self.preprocess = preprocess if preprocess is not None else nn.Identity()

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        """``wav (B, T)`` -> logits ``(B, C)``."""
        return self.model(self.preprocess(wav))

    def features(self, wav: torch.Tensor) -> list[torch.Tensor]:
        """``wav (B, T)`` -> outputs of the tapped layers, in the order given."""
        return self.logits_and_features(wav)[1]

    def logits_and_features(self, wav: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """One forward pass with hooks: logits ``(B, C)`` and the tapped outputs."""
        captured: dict[str, torch.Tensor] = {}
        handles = []
        for name in self.layers:
            def hook(_module, _inputs, output, name=name):
                captured[name] = output[0] if isinstance(output, (tuple, list)) else output
            handles.append(self.model.get_submodule(name).register_forward_hook(hook))
        try:
            logits = self.forward(wav)
        finally:
            for h in handles:
                h.remove()
        return logits, [captured[name] for name in self.layers]
