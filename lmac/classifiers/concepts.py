"""Classifiers with a concept layer (SMC'21 two-level explanations): audio -> named concepts -> outputs.

A :class:`ConceptClassifier` predicts its outputs through a linear map of a few named,
interpretable concept activations (e.g. melodiousness, articulation, dissonance), so each output
is explained by each concept's effect (concept value x weight) and each concept can be traced
back to the sounds that produce it. :class:`ConceptOutputs` turns the concept layer into outputs of
its own (regression), so any explainer (LIME over sources, a trained head) explains a concept the
way it explains a class. :class:`ConceptCNN` is the built-in model (the demo log-mel CNN with a
concept bottleneck).
"""

from __future__ import annotations

import abc

import torch
from torch import nn

from lmac.checkpoint import build_component, capture_init
from lmac.classifiers.base import AudioClassifier, name_index
from lmac.classifiers.demo import MelCNN
from lmac.outputs import require_output
from lmac.spectral import STFTConfig

__all__ = ["ConceptClassifier", "ConceptCNN", "ConceptOutputs"]


class ConceptClassifier(AudioClassifier):
    """An :class:`AudioClassifier` whose outputs are a linear map of named concepts.

    Contract (on top of :class:`AudioClassifier`): ``concept_names`` (``K`` names), :meth:`concepts`
    (``wav (B, T)`` -> ``(B, K)``) and :attr:`concept_layer`, the ``nn.Linear(K, C)`` from concepts
    to outputs, so that ``forward(wav) == concept_layer(concepts(wav))``. The outputs may be classes
    (``output="softmax"`` / ``"sigmoid"``) or regression targets (``output="regression"``).
    """

    concept_names: list[str]

    @property
    @abc.abstractmethod
    def concept_layer(self) -> nn.Linear:
        """The linear map from concepts ``(B, K)`` to outputs ``(B, C)``."""

    @abc.abstractmethod
    def concepts(self, wav: torch.Tensor) -> torch.Tensor:
        """``wav (B, T)`` -> concept activations ``(B, K)``."""

    @property
    def n_concepts(self) -> int:
        return len(self.concept_names)

    @property
    def concept_weights(self) -> torch.Tensor:
        """``(C, K)``: the weight of each concept in each output."""
        return self.concept_layer.weight

    @property
    def concept_bias(self) -> torch.Tensor:
        """``(C,)``: each output's value when every concept is 0."""
        return self.concept_layer.bias

    def concept_index(self, concept: str | int) -> int:
        """Resolve a concept name or index to an index (a one-line ``ValueError`` naming the concepts)."""
        return name_index(self.concept_names, concept, "concept", "concepts")


class ConceptCNN(MelCNN, ConceptClassifier):
    """The demo log-mel CNN with a concept bottleneck: trunk -> ``Linear(channels[-1], K)`` (the
    concepts) -> ``Linear(K, C)`` (the outputs).

    Args:
        class_names: output names (e.g. ``["arousal", "valence"]``).
        concept_names: the ``K`` concepts, in the order of the concept layer.
        output: ``"regression"`` (default), ``"softmax"`` or ``"sigmoid"``.
        sample_rate, clip_seconds, n_fft, hop_length, n_mels, channels, dropout: as :class:`MelCNN`.
    """

    @capture_init
    def __init__(
        self,
        class_names: list[str],
        concept_names: list[str],
        sample_rate: int = 16000,
        clip_seconds: float = 2.0,
        n_fft: int = STFTConfig.n_fft,
        hop_length: int = STFTConfig.hop_length,
        n_mels: int = 64,
        channels: tuple[int, ...] = (16, 32, 64, 128),
        dropout: float = 0.1,
        output: str = "regression",
    ):
        super().__init__(class_names, sample_rate, clip_seconds, n_fft, hop_length, n_mels, channels, dropout, output)
        if not concept_names:
            raise ValueError("a concept classifier needs at least one concept name")
        self.concept_names = [str(c) for c in concept_names]
        self.to_concepts = nn.Linear(channels[-1], len(self.concept_names))
        self.fc = nn.Linear(len(self.concept_names), len(class_names))

    @property
    def concept_layer(self) -> nn.Linear:
        return self.fc

    def _concepts_from(self, deepest: torch.Tensor) -> torch.Tensor:
        """Deepest block output ``(B, C, M, N)`` -> concepts ``(B, K)``."""
        x = deepest.mean(dim=2)  # (B, C, N): average over mel
        return self.to_concepts(self.dropout(x.amax(dim=2) + x.mean(dim=2)))

    def _classify(self, deepest: torch.Tensor) -> torch.Tensor:
        return self.fc(self._concepts_from(deepest))

    def concepts(self, wav: torch.Tensor) -> torch.Tensor:
        """``wav (B, T)`` -> concepts ``(B, K)``."""
        return self._concepts_from(self._trunk(self.frontend(wav))[-1])

    def concepts_and_outputs(self, wav: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Both in one pass: concepts ``(B, K)`` and outputs ``(B, C)`` (for training)."""
        concepts = self.concepts(wav)
        return concepts, self.fc(concepts)


class ConceptOutputs(AudioClassifier):
    """The concept layer of a :class:`ConceptClassifier` as a classifier of its own: one regression
    output per concept (``class_names`` are the concept names), the same features.

    Explainers run on it explain a concept as they explain a class: ``SourceLIME(ConceptOutputs(clf),
    OracleStems()).explain(wav, target="dissonance")`` regresses the concept's value on the sources.

    A view describes itself by its classifier's class and settings (:meth:`config`), so a head trained
    on it (an L-MAC head explaining the concepts) is exported and loaded like any other explainer.

    Args:
        classifier: the concept classifier (frozen here; it is a child module, so moving this view
            moves it), or its stored description ``{"target": class path, "config": init kwargs}``
            (how :meth:`config` records it; rebuilt without weights, which the view's own state
            dict then loads).
        output: the output type a configuration asks for (``classifier.output``), checked, not applied:
            the view's outputs are regressions, so ``softmax`` / ``sigmoid`` is refused in one line
            (as :func:`~lmac.classifiers.load_classifier` refuses a stored classifier of another type).
    """

    def __init__(self, classifier: ConceptClassifier | dict, output: str | None = None):
        if isinstance(classifier, dict):
            classifier = build_component(classifier, ConceptClassifier, load_weights=False)
        if not isinstance(classifier, ConceptClassifier):
            raise ValueError(f"{type(classifier).__name__} has no concept layer; a ConceptClassifier is needed")
        require_output("regression", output, f"the ConceptOutputs view of {type(classifier).__name__}")
        super().__init__(classifier.sample_rate, classifier.concept_names, classifier.clip_seconds, "regression")
        self.classifier = classifier.freeze()
        self.freeze()

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        """``wav (B, T)`` -> concepts ``(B, K)``."""
        return self.classifier.concepts(wav)

    def features(self, wav: torch.Tensor) -> list[torch.Tensor]:
        """The concept classifier's features, deepest first."""
        return self.classifier.features(wav)

    def named_layers(self) -> dict[str, nn.Module]:
        return self.classifier.named_layers()

    def feature_transform(self, layer: str):
        return self.classifier.feature_transform(layer)

    def config(self) -> dict:
        """``{"classifier": {"target", "config"}}``: the concept classifier's class and init kwargs (its
        weights are the view's own state dict); raises ``NotImplementedError`` if that classifier
        cannot describe itself."""
        cls = type(self.classifier)
        return {"classifier": {"target": f"{cls.__module__}.{cls.__qualname__}", "config": self.classifier.config()}}
