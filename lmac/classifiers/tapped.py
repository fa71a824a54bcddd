"""Bring your own model: wrap any ``nn.Module`` and tap named layers with forward hooks."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from lmac.classifiers.base import AudioClassifier, FeatureTransform

__all__ = ["TappedClassifier"]


class TappedClassifier(AudioClassifier):
    """Adapter from any PyTorch classifier to :class:`AudioClassifier`.

    Args:
        model: the network; ``model(preprocess(wav))`` must return logits ``(B, C)``.
        layers: names of submodules (as in ``model.named_modules()``; ``GradCAM(layer=...)``
            takes the same names) whose outputs are the head's features, listed deepest first.
        sample_rate, class_names, clip_seconds, output: see :class:`AudioClassifier`
            (``output="sigmoid"`` for a multi-label tagger).
        preprocess: optional waveform transform the model expects (e.g. a mel front end);
            identity for waveform models.
        feature_transforms: layer name -> ``f(output, batch_size)`` that puts that layer's
            output in the ``(B, C, ..., time)`` layout heads read (e.g.
            :class:`~lmac.classifiers.UnfoldPatches` for a model that folds patches of the clip
            into the batch axis); GradCAM applies it to its map of that layer too.

    Example::

        clf = TappedClassifier(my_net, layers=["conv4", "conv3"], sample_rate=16000,
                               class_names=["dog", "rain"], clip_seconds=5.0,
                               preprocess=torchaudio.transforms.MelSpectrogram(16000))
    """

    def __init__(
        self,
        model: nn.Module,
        layers: list[str],
        sample_rate: int,
        class_names: list[str],
        clip_seconds: float,
        preprocess: Callable[[torch.Tensor], torch.Tensor] | None = None,
        output: str = "softmax",
        feature_transforms: dict[str, FeatureTransform] | None = None,
    ):
        super().__init__(sample_rate, class_names, clip_seconds, output)
        names = dict(model.named_modules())
        transforms = dict(feature_transforms or {})
        missing = [n for n in [*layers, *transforms] if n not in names]
        if missing:
            raise ValueError(f"layers {missing} not found in the model; available: {sorted(n for n in names if n)}")
        if not layers:
            raise ValueError("name at least one layer to tap for features")
        self.model = model
        self.layers = list(layers)
        self.preprocess = preprocess if preprocess is not None else nn.Identity()
        self.feature_transforms = transforms

    def named_layers(self) -> dict[str, nn.Module]:
        """The wrapped model's layers by their own names (``model.named_modules()``)."""
        return dict(self.model.named_modules())

    def feature_transform(self, layer: str) -> FeatureTransform | None:
        return self.feature_transforms.get(layer)

    def feature_labels(self, n: int) -> list[str]:
        return [f"layer {name!r}" for name in self.layers]

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        """``wav (B, T)`` -> logits ``(B, C)``."""
        return self.model(self.preprocess(wav))

    def features(self, wav: torch.Tensor) -> list[torch.Tensor]:
        """``wav (B, T)`` -> outputs of the tapped layers, in the order given."""
        return self.logits_and_features(wav)[1]

    def logits_and_features(self, wav: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """One forward pass with hooks: logits ``(B, C)`` and the tapped outputs (after their
        feature transforms)."""
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
        feats = [captured[name] for name in self.layers]
        return logits, [self._transformed(name, f, wav.shape[0]) for name, f in zip(self.layers, feats)]

    def _transformed(self, name: str, feat: torch.Tensor, batch_size: int) -> torch.Tensor:
        transform = self.feature_transforms.get(name)
        return feat if transform is None else transform(feat, batch_size)
