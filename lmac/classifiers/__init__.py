"""Classifiers: the contract, the demo CNN, SpeechBrain CNN14, the generic adapter and checkpoint loading."""

from __future__ import annotations

import os

from lmac.checkpoint import (
    CLASSIFIER_FORMAT,
    EXPLAINER_FORMAT,
    CheckpointError,
    build_component,
    component_record,
    load_checkpoint,
    save_checkpoint,
)
from lmac.classifiers.base import AudioClassifier
from lmac.classifiers.concepts import ConceptClassifier, ConceptCNN, ConceptOutputs
from lmac.classifiers.demo import MelCNN
from lmac.classifiers.external import import_classifier
from lmac.classifiers.layout import UnfoldPatches
from lmac.classifiers.multimodal import LyricsMelCNN
from lmac.classifiers.tapped import TappedClassifier
from lmac.outputs import require_output

__all__ = [
    "AudioClassifier",
    "Cnn14Classifier",
    "ConceptCNN",
    "ConceptClassifier",
    "ConceptOutputs",
    "LyricsMelCNN",
    "MelCNN",
    "TappedClassifier",
    "UnfoldPatches",
    "import_classifier",
    "load_classifier",
    "load_cnn14",
    "save_classifier",
]

_LAZY = {"Cnn14Classifier", "load_cnn14"}  # importing SpeechBrain takes seconds: only when used


def __getattr__(name: str):
    if name in _LAZY:
        from lmac.classifiers import cnn14

        return getattr(cnn14, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def save_classifier(classifier: AudioClassifier, path: str | os.PathLike, **metadata) -> None:
    """Export a classifier as a self-describing checkpoint."""
    save_checkpoint(
        {"format": CLASSIFIER_FORMAT, "classifier": component_record(classifier), "metadata": metadata}, path
    )


def load_classifier(
    path: str | os.PathLike, allow_external: bool = False, output: str | None = None
) -> AudioClassifier:
    """Load a frozen classifier from a classifier or explainer checkpoint.

    ``output`` (``softmax`` / ``sigmoid``, as a config sets ``classifier.output``) is checked, not
    applied: a stored classifier whose output type differs is refused with a one-line ``ValueError``.
    """
    payload = load_checkpoint(path, (CLASSIFIER_FORMAT, EXPLAINER_FORMAT))
    try:
        classifier = build_component(payload["classifier"], AudioClassifier, allow_external)
    except CheckpointError as err:
        raise CheckpointError(f"{path}: {err}") from None
    require_output(classifier.output, output, f"classifier {path}")
    return classifier.freeze()
