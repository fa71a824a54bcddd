"""The one verb every method implements: ``explain(wav, target=None) -> Explanation``.

``target`` is documented once, here. It may be:

* ``None``: explain the classifier's own top class for each clip;
* an ``int`` or a class name (``str``): the same class for every clip;
* a sequence or ``(B,)`` tensor of ints / names: one class per clip.
"""

from __future__ import annotations

import abc
import copy
from collections.abc import Sequence

import torch

from lmac.audio import validate_wav
from lmac.classifiers.base import AudioClassifier
from lmac.explanation import Explanation
from lmac.spectral import STFTConfig

__all__ = ["Explainer", "Target"]

Target = int | str | Sequence[int | str] | torch.Tensor | None


class Explainer(abc.ABC):
    """Base of all explanation methods. Subclasses set ``self.classifier``, ``name`` and ``grid``
    (the STFT grid of their saliency maps: an ``stft`` constructor argument, or a trained head's)."""

    classifier: AudioClassifier
    name: str = "explainer"
    grid: STFTConfig

    @property
    def sample_rate(self) -> int:
        return self.classifier.sample_rate

    @abc.abstractmethod
    def explain(self, wav: torch.Tensor, target: Target = None) -> Explanation:
        """Explain ``wav (B, T)`` (or ``(T,)``) at ``self.sample_rate`` for ``target`` (see module doc)."""

    def bind_stems(self, stems: dict[str, torch.Tensor] | None) -> None:  # noqa: B027 (optional hook)
        """Give ground-truth stems (name -> ``(B, T)``) for the next :meth:`explain` call.

        Only methods that can use oracle sources (e.g. LIME over ``OracleStems``) override
        this; the benchmark calls it for every method when the data has stems, and it is a
        no-op by default. Passing ``None`` clears them.
        """

    def with_classifier(self, classifier: AudioClassifier) -> Explainer:
        """The same method explaining another classifier (e.g. a randomised copy for the
        model-randomisation sanity check, :mod:`lmac.metrics.sanity`).

        The default is a shallow copy with ``classifier`` replaced; ``self`` is left unchanged.
        Methods that keep classifier-specific state (a trained head, wrapped attribution
        objects) override this.
        """
        new = copy.copy(self)
        if isinstance(new, torch.nn.Module):  # own child/parameter/buffer tables, so the swap stays local
            for table in ("_modules", "_parameters", "_buffers"):
                object.__setattr__(new, table, type(getattr(self, table))(getattr(self, table)))
        new.classifier = classifier
        return new

    def prepare(self, wav: torch.Tensor, target: Target) -> tuple[torch.Tensor, torch.Tensor]:
        """Validate inputs: ``wav`` -> ``(B, T)`` float on the classifier's device, ``target`` -> ``(B,)`` long.

        ``target=None`` costs one classifier pass (its argmax); a method that also needs the
        classifier's features calls :meth:`prepare_with_features`, which gets both in that one pass.
        """
        wav = self._prepare_wav(wav)
        if target is None:
            with torch.no_grad():
                return wav, self.classifier(wav).argmax(dim=-1)
        return wav, self._target_indices(target, wav)

    def prepare_with_features(
        self, wav: torch.Tensor, target: Target
    ) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
        """As :meth:`prepare`, plus the classifier's features: one classifier pass in all.

        With ``target=None`` the features and the logits that pick the target come from
        ``classifier.logits_and_features``; with a given target only ``classifier.features`` runs.

        Returns:
            ``wav (B, T)``, ``target (B,)`` and the features (deepest first, each ``(B, C_i, ...)``).
        """
        wav = self._prepare_wav(wav)
        if target is None:
            logits, features = self.classifier.logits_and_features(wav)
            return wav, logits.argmax(dim=-1), features
        target = self._target_indices(target, wav)
        return wav, target, self.classifier.features(wav)

    def _prepare_wav(self, wav: torch.Tensor) -> torch.Tensor:
        """``(T,)`` or ``(B, T)`` -> validated ``(B, T)`` float on the classifier's device."""
        wav = validate_wav(wav, "wav")
        wav = wav.unsqueeze(0) if wav.dim() == 1 else wav
        return wav.to(next(self.classifier.parameters(), torch.empty(0)).device)

    def _target_indices(self, target: Target, wav: torch.Tensor) -> torch.Tensor:
        """A given ``target`` (module doc) -> ``(B,)`` long class indices on ``wav``'s device."""
        batch = wav.shape[0]
        if isinstance(target, (int, str)) or (torch.is_tensor(target) and target.dim() == 0):
            target = [target.item() if torch.is_tensor(target) else target] * batch
        items = target.tolist() if torch.is_tensor(target) else list(target)
        if len(items) != batch:
            raise ValueError(f"got {len(items)} targets for {batch} clips")
        return torch.tensor([self.classifier.class_index(t) for t in items], device=wav.device)
