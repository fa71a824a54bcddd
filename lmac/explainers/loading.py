"""One way for every command to load an exported explainer (``lmac explain``, ``lmac demo``, ``lmac sanity``)."""

from __future__ import annotations

import os

import torch

from lmac.classifiers.base import AudioClassifier
from lmac.classifiers.external import import_classifier
from lmac.explainers.lmac import LMAC

__all__ = ["load_explainer"]


def load_explainer(checkpoint: str | os.PathLike, classifier: str | AudioClassifier | None = None,
                   allow_external: bool = False, map_location: str | torch.device = "cpu") -> LMAC:
    """Load an exported explainer, with the classifier the user names.

    Args:
        checkpoint: an exported explainer (path or the name of a shipped one).
        classifier: ``None`` (rebuild the stored classifier), a ``"module:factory"`` spec
            (:func:`~lmac.classifiers.external.import_classifier`; the CLI's ``--classifier``), or a
            classifier object. A given classifier must be the one the head was trained on (class
            names, sample rate, output type and weight fingerprint are checked).
        allow_external: rebuild stored classes from outside the ``lmac`` package (imports them;
            the CLI's ``--allow-external``): only for checkpoints you trust.
        map_location: device to put the explainer on.
    """
    if isinstance(classifier, str):
        classifier = import_classifier(classifier)
    return LMAC.from_pretrained(checkpoint, classifier=classifier, map_location=map_location,
                                allow_external=allow_external)
