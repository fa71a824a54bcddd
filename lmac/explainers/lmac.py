"""L-MAC / LMAC-TD explainer: a frozen classifier plus a trained head, one forward pass."""

from __future__ import annotations

import os

import torch
from torch import nn

from lmac.checkpoint import (
    EXPLAINER_FORMAT,
    CheckpointError,
    build_component,
    component_record,
    load_checkpoint,
    save_checkpoint,
)
from lmac.classifiers import AudioClassifier
from lmac.explainers.base import Explainer, Target
from lmac.explanation import Explanation
from lmac.heads.base import MaskHead

__all__ = ["LMAC", "init_head_from"]


class LMAC(nn.Module, Explainer):
    """Explain with a trained :class:`~lmac.heads.MaskHead` on top of a frozen classifier.

    Args:
        classifier: the classifier the head was trained on (frozen here).
        head: the trained head.
        name: method name recorded in explanations (``"lmac"`` for the spectrogram head,
            ``"lmac-td"`` for the time-domain head).
    """

    def __init__(self, classifier: AudioClassifier, head: MaskHead, name: str | None = None):
        super().__init__()
        self.classifier = classifier.freeze()
        self.head = head.eval()
        self.name = name or getattr(head, "method_name", "lmac")

    @property
    def grid(self):
        """The STFT grid of the saliency maps: the head's (fixed when it was trained)."""
        return self.head.grid

    @torch.no_grad()
    def explain(self, wav: torch.Tensor, target: Target = None) -> Explanation:
        """One classifier pass plus the head: ``wav (B, T)`` -> :class:`Explanation` (see ``Explainer``
        for ``target``; with ``target=None`` the same pass gives the top class and the features)."""
        self.head.eval()
        wav, target, features = self.prepare_with_features(wav, target)
        self.head.bind_classifier(self.classifier)
        out = self.head(wav, features, target)
        return Explanation(
            wav,
            out.explanation_wav,
            out.residual_wav,
            out.saliency.clamp(0, 1),
            target,
            self.name,
            self.sample_rate,
            out.grid,
        )

    def bind_stems(self, stems: dict[str, torch.Tensor] | None) -> None:
        """Pass ground-truth stems to the head (used by heads over oracle stems, a no-op otherwise)."""
        self.head.bind_stems(stems)

    def with_classifier(self, classifier: AudioClassifier) -> LMAC:
        """The same head on another classifier, without the fingerprint check of
        :meth:`from_pretrained` (used with randomised copies by the sanity check)."""
        return LMAC(classifier, self.head, self.name)

    def export(self, path: str | os.PathLike, **metadata) -> None:
        """Write a self-describing explainer checkpoint (classifier + head + settings + versions)."""
        save_checkpoint(
            {
                "format": EXPLAINER_FORMAT,
                "method": self.name,
                "classifier": component_record(self.classifier),
                "head": component_record(self.head),
                "class_names": list(self.classifier.class_names),
                "sample_rate": self.sample_rate,
                "output": self.classifier.output,
                "metadata": metadata,
            },
            path,
        )

    @classmethod
    def from_pretrained(
        cls,
        path: str | os.PathLike,
        classifier: AudioClassifier | None = None,
        map_location: str | torch.device = "cpu",
        allow_external: bool = False,
    ) -> LMAC:
        """Load an exported explainer.

        Args:
            path: file written by :meth:`export`.
            classifier: use this classifier object instead of the stored one (e.g. a model
                that cannot be described in a checkpoint). It must be the classifier the head
                was trained on: its weights' fingerprint is checked.
            map_location: device to put the explainer on.
            allow_external: allow classes outside the ``lmac`` package (imports them).
        """
        payload = load_checkpoint(path, (EXPLAINER_FORMAT,))
        stored = payload["classifier"]
        try:
            if classifier is None:
                classifier = build_component(stored, AudioClassifier, allow_external)
            head = build_component(payload["head"], MaskHead, allow_external)
        except CheckpointError as err:
            raise CheckpointError(f"{path}: {err}") from None
        check_classifier_matches(classifier, payload, path)
        return cls(classifier, head, payload.get("method")).to(map_location)


def check_classifier_matches(classifier: AudioClassifier, payload: dict, path) -> None:
    """Refuse a head trained on another classifier, naming what differs."""
    from lmac.checkpoint import fingerprint

    if list(classifier.class_names) != list(payload["class_names"]):
        raise CheckpointError(
            f"{path}: head was trained for classes {payload['class_names']}, "
            f"this classifier has {classifier.class_names}"
        )
    if classifier.output != payload.get("output", "softmax"):
        raise CheckpointError(
            f"{path}: head was trained on a classifier with {payload.get('output', 'softmax')} "
            f"outputs, this one has {classifier.output} outputs"
        )
    if classifier.sample_rate != payload["sample_rate"]:
        raise CheckpointError(
            f"{path}: head was trained at {payload['sample_rate']} Hz, "
            f"this classifier runs at {classifier.sample_rate} Hz"
        )
    if fingerprint(classifier) != payload["classifier"]["fingerprint"]:
        raise CheckpointError(
            f"{path}: head was trained on another classifier (weights fingerprint differs); "
            "retrain the head for this classifier"
        )


def init_head_from(head: MaskHead, classifier: AudioClassifier, path: str | os.PathLike) -> None:
    """Start ``head`` from the trained head of the explainer exported at ``path`` (a file or a shipped name
    such as ``"demo_lmac"``): a second training stage (L-MAC FT). Refuses an explainer trained on another
    classifier (:func:`check_classifier_matches`) or whose head is another class or configuration."""
    payload = load_checkpoint(path, (EXPLAINER_FORMAT,))
    check_classifier_matches(classifier, payload, path)
    stored, name = payload["head"], f"{type(head).__module__}.{type(head).__qualname__}"
    if stored["target"] != name:
        raise CheckpointError(f"{path}: its head is a {stored['target']}, this run trains a {name}")
    differ = _config_differences(head, stored.get("config") or {})
    if differ:
        raise CheckpointError(
            f"{path}: its head was built with other settings ({differ}); use the same head configuration"
        )
    head.load_state_dict(stored["state_dict"])


def _config_differences(head: MaskHead, stored: dict) -> str:
    """``"name=stored value, ..."`` for the init kwargs where ``head`` differs from a stored head's
    (empty when they agree, or when ``head`` cannot describe itself: its weights' keys and shapes are
    then checked by ``load_state_dict``)."""
    try:
        config = head.config()
    except NotImplementedError:
        return ""
    names = sorted(set(config) | set(stored))
    return ", ".join(f"{k}={stored.get(k)!r}" for k in names if config.get(k) != stored.get(k))
