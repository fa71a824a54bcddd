"""The classifier contract every explainer relies on."""

from __future__ import annotations

import abc

import torch
from torch import nn

from lmac.checkpoint import captured_config

__all__ = ["AudioClassifier"]


class AudioClassifier(nn.Module, abc.ABC):
    """A frozen audio classifier: waveform in, logits out.

    Subclasses implement :meth:`forward` (the black-box contract every method needs) and
    :meth:`features` (hidden representations for a trained head, deepest first); decorating their
    ``__init__`` with :func:`lmac.checkpoint.capture_init` gives :meth:`config` (init kwargs, for
    self-describing checkpoints).

    Args:
        sample_rate: rate of the waveforms the model takes.
        class_names: one name per output logit.
        clip_seconds: length of the model's analysis window; longer clips are explained
            window by window (see :mod:`lmac.explainers.windowing`).
    """

    def __init__(self, sample_rate: int, class_names: list[str], clip_seconds: float):
        super().__init__()
        self.sample_rate = int(sample_rate)
        self.class_names = [str(c) for c in class_names]
        self.clip_seconds = float(clip_seconds)
        self._frozen = False

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def clip_samples(self) -> int:
        return int(round(self.clip_seconds * self.sample_rate))

    @abc.abstractmethod
    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        """``wav (B, T)`` -> logits ``(B, C)``."""

    @abc.abstractmethod
    def features(self, wav: torch.Tensor) -> list[torch.Tensor]:
        """``wav (B, T)`` -> hidden representations, deepest first, each ``(B, C_i, ...)``."""

    def logits_and_features(self, wav: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """``(forward(wav), features(wav))``; subclasses that compute both in one pass override it."""
        return self(wav), self.features(wav)

    def config(self) -> dict:
        """Init kwargs that rebuild this classifier (weights excluded), as recorded by ``capture_init``;
        ``NotImplementedError`` for a classifier that cannot be described (e.g. a ``TappedClassifier``)."""
        return captured_config(self)

    def freeze(self) -> "AudioClassifier":
        """No gradients to its weights, and ``eval()`` even when a parent calls ``train()``."""
        self._frozen = True
        self.requires_grad_(False)
        return super().train(False)

    def unfreeze(self) -> "AudioClassifier":
        """Make the weights trainable again (used to train the classifier itself)."""
        self._frozen = False
        self.requires_grad_(True)
        return self

    def train(self, mode: bool = True) -> "AudioClassifier":
        return super().train(mode and not self._frozen)

    @torch.no_grad()
    def feature_shapes(self) -> list[tuple[int, ...]]:
        """Shapes (without batch) of :meth:`features` on one clip of the model's window."""
        device = next(self.parameters(), torch.empty(0)).device
        was_training = self.training
        self.eval()
        shapes = [tuple(f.shape[1:]) for f in self.features(torch.zeros(1, self.clip_samples, device=device))]
        self.train(was_training)
        return shapes

    def class_index(self, target: str | int) -> int:
        """Resolve a class name or index (as int or digit string) to an index."""
        if isinstance(target, str) and target in self.class_names:
            return self.class_names.index(target)
        try:
            index = int(target)
        except (TypeError, ValueError):
            raise ValueError(f"unknown target {target!r}; classes are {self.class_names}") from None
        if not 0 <= index < self.n_classes:
            raise ValueError(f"target index {index} out of range 0..{self.n_classes - 1}; classes are {self.class_names}")
        return index
