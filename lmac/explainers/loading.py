"""One way for every command to load an exported explainer (``lmac explain``, ``lmac demo``, ``lmac sanity``)."""

from __future__ import annotations

import os
from functools import partial

import torch

from lmac.checkpoint import CLASSIFIER_FORMAT, EXPLAINER_FORMAT, CheckpointError, load_checkpoint
from lmac.classifiers import load_classifier
from lmac.classifiers.base import AudioClassifier
from lmac.classifiers.concepts import ConceptClassifier, ConceptOutputs
from lmac.classifiers.external import import_classifier
from lmac.explainers.concepts import Level1Factory, TwoLevelExplainer
from lmac.explainers.factorizations import NMFFactorization
from lmac.explainers.lime import SourceLIME
from lmac.explainers.lmac import LMAC

__all__ = ["load_explainer"]


def load_explainer(
    checkpoint: str | os.PathLike,
    classifier: str | AudioClassifier | None = None,
    allow_external: bool = False,
    map_location: str | torch.device = "cpu",
) -> LMAC | TwoLevelExplainer:
    """Load an exported explainer, with the classifier the user names; a concept classifier's checkpoint
    (:class:`~lmac.classifiers.concepts.ConceptClassifier`) gives its two-level explainer
    (:class:`~lmac.explainers.concepts.TwoLevelExplainer`, LIME over 6 NMF components of the clip at level 1),
    and so does a head trained on its concepts (``experiment=demo_concepts_lmac``), with the head's
    listenable explanation of each concept first and LIME next to it.

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
    if load_checkpoint(checkpoint, (EXPLAINER_FORMAT, CLASSIFIER_FORMAT))["format"] == CLASSIFIER_FORMAT:
        return _two_level(checkpoint, classifier, allow_external, map_location)
    if isinstance(classifier, ConceptClassifier):
        classifier = ConceptOutputs(classifier)
    explainer = LMAC.from_pretrained(
        checkpoint, classifier=classifier, map_location=map_location, allow_external=allow_external
    )
    if isinstance(explainer.classifier, ConceptOutputs):  # a head trained on a concept classifier's concepts
        concepts = explainer.classifier.classifier
        return _two_level(checkpoint, concepts, allow_external, map_location, [explainer.with_classifier])
    return explainer


def _two_level(
    checkpoint,
    classifier: AudioClassifier | None,
    allow_external: bool,
    map_location: str | torch.device,
    heads: list[Level1Factory] | None = None,
) -> TwoLevelExplainer:
    """A classifier checkpoint explains itself only if it has a concept layer: two levels, with LIME
    over NMF components of the clip at level 1 (no stems are known for a user's file), after the
    level-1 ``heads`` trained on its concepts, if any."""
    classifier = classifier or load_classifier(checkpoint, allow_external)
    if not isinstance(classifier, ConceptClassifier):
        raise CheckpointError(
            f"{checkpoint}: a classifier checkpoint without a concept layer; lmac explain needs "
            "an exported explainer (lmac train experiment=... writes explainer.pt) or a concept "
            "classifier"
        )
    lime = partial(SourceLIME, factorization=NMFFactorization(n_components=6), n_samples=300, top_k=2, progress=False)
    return TwoLevelExplainer(classifier.to(map_location), [*(heads or []), lime])
