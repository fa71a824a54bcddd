"""The classifier contract every explainer relies on."""

from __future__ import annotations

import abc
from collections.abc import Callable

import torch
from torch import nn

from lmac.checkpoint import captured_config
from lmac.outputs import check_output, probabilities

__all__ = ["AudioClassifier", "FeatureTransform"]

FeatureTransform = Callable[[torch.Tensor, int], torch.Tensor]
"""``(layer_output, batch_size) -> (B, C, ..., time)``: puts a layer's output in the layout heads read."""


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
        output: ``"softmax"`` (one class per clip) or ``"sigmoid"`` (independent classes,
            multi-label): how logits become probabilities, see :mod:`lmac.outputs`. Subclasses
            store it in their :meth:`config`.
    """

    def __init__(self, sample_rate: int, class_names: list[str], clip_seconds: float, output: str = "softmax"):
        super().__init__()
        self.sample_rate = int(sample_rate)
        self.class_names = [str(c) for c in class_names]
        self.clip_seconds = float(clip_seconds)
        self.output = check_output(output)
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

    def probabilities(self, logits: torch.Tensor) -> torch.Tensor:
        """Per-class probabilities ``(B, C)`` from this classifier's logits ``(B, C)`` (softmax or sigmoid)."""
        return probabilities(logits, self.output)

    def named_layers(self) -> dict[str, nn.Module]:
        """The layers by the names ``TappedClassifier(layers=...)`` and ``GradCAM(layer=...)`` use:
        this module's ``named_modules()`` (a wrapper around another network overrides it)."""
        return dict(self.named_modules())

    def feature_transform(self, layer: str) -> FeatureTransform | None:
        """The transform that puts ``layer``'s output in the ``(B, C, ..., time)`` layout, if any."""
        return None

    def logits_and_features(self, wav: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """``(forward(wav), features(wav))``; subclasses that compute both in one pass override it."""
        return self(wav), self.features(wav)

    def config(self) -> dict:
        """Init kwargs that rebuild this classifier (weights excluded), as recorded by ``capture_init``;
        ``NotImplementedError`` for a classifier that cannot be described (e.g. a ``TappedClassifier``)."""
        return captured_config(self)

    def freeze(self) -> AudioClassifier:
        """No gradients to its weights, and ``eval()`` even when a parent calls ``train()``."""
        self._frozen = True
        self.requires_grad_(False)
        return super().train(False)

    def unfreeze(self) -> AudioClassifier:
        """Make the weights trainable again (used to train the classifier itself)."""
        self._frozen = False
        self.requires_grad_(True)
        return self

    def train(self, mode: bool = True) -> AudioClassifier:
        return super().train(mode and not self._frozen)

    @torch.no_grad()
    def feature_shapes(self) -> list[tuple[int, ...]]:
        """Shapes (without batch) of :meth:`features` on clips of the model's window, checked.

        Probes a batch of 2 clips: every feature must be ``(B, C, ..., time)`` with the clips on
        the first axis. A second probe with clips twice as long (skipped if the model refuses
        them) checks that the last axis is the one that follows the clip's length. Raises a
        ``ValueError`` naming the feature and the layout expected otherwise.
        """
        from lmac.classifiers.layout import check_feature_layout

        device = next(self.parameters(), torch.empty(0)).device
        was_training = self.training
        self.eval()
        try:
            feats = self.features(torch.zeros(2, self.clip_samples, device=device))
            try:
                longer = self.features(torch.zeros(2, 2 * self.clip_samples, device=device))
            except Exception:  # a model that only takes its own window length: no time-axis check
                longer = None
        finally:
            self.train(was_training)
        check_feature_layout(feats, longer, self.feature_labels(len(feats)))
        return [tuple(f.shape[1:]) for f in feats]

    def feature_labels(self, n: int) -> list[str]:
        """How errors name the ``n`` outputs of :meth:`features`."""
        return [f"{type(self).__name__}.features()[{i}]" for i in range(n)]

    def class_index(self, target: str | int) -> int:
        """Resolve a class name or index (as int or digit string) to an index."""
        return name_index(self.class_names, target, "target", "classes")


def name_index(names: list[str], key: str | int, what: str, kind: str) -> int:
    """Resolve a name in ``names`` or an index (as int or digit string) to an index; a one-line
    ``ValueError`` ("unknown <what> ...; <kind> are [...]") otherwise."""
    if isinstance(key, str) and key in names:
        return names.index(key)
    try:
        index = int(key)
    except (TypeError, ValueError):
        raise ValueError(f"unknown {what} {key!r}; {kind} are {names}") from None
    if not 0 <= index < len(names):
        raise ValueError(f"{what} index {index} out of range 0..{len(names) - 1}; {kind} are {names}")
    return index
