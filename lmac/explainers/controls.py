"""Explainers that never look at the classifier: the rows every real method must beat.

* :class:`SpectrumControl`: the mask ``sigmoid(slope * z)``, with ``z`` the input's standardised
  log-magnitude (:func:`~lmac.spectral.standardized_log_magnitude`): it keeps the loud bins of the
  input, whatever the classifier and the class asked for. On a confident classifier trained with gain
  augmentation it scores Fid-In and FF as well as a trained head (issue 9), so those two numbers alone
  cannot tell a faithful explainer from it; class sensitivity and model randomisation can.
* :class:`InputReference`: the input itself (mask 1 everywhere, silent residual): the reference row
  of the two-source setting (the share of each source in the mixture).
"""

from __future__ import annotations

import abc

import torch

from lmac.explainers.base import Explainer, Target
from lmac.explanation import Explanation
from lmac.spectral import STFT, STFTConfig, standardized_log_magnitude

__all__ = ["FixedMaskExplainer", "InputReference", "SpectrumControl"]


class FixedMaskExplainer(Explainer):
    """A mask over the STFT magnitude computed from the input alone, rendered like every mask method.

    explanation = iSTFT(mask * |X|, phase(X)); residual = iSTFT((1 - mask) * |X|, phase(X)).

    Args:
        classifier: the classifier (only its sample rate and, with ``target=None``, its top class are used).
        name: method name recorded in explanations.
        stft: the STFT grid of the mask (``None``: the default :class:`~lmac.spectral.STFTConfig`).
    """

    def __init__(self, classifier, name: str, stft: STFTConfig | None = None):
        self.classifier, self.name, self.grid = classifier, name, STFTConfig.of(stft)

    @abc.abstractmethod
    def mask(self, mag: torch.Tensor) -> torch.Tensor:
        """``mag (B, F, frames)`` -> mask in [0, 1] of the same shape."""

    @torch.no_grad()
    def explain(self, wav: torch.Tensor, target: Target = None) -> Explanation:
        """Explain ``wav (B, T)`` (see ``Explainer`` for ``target``, which changes nothing here)."""
        wav, target = self.prepare(wav, target)
        stft = STFT(self.grid).to(wav.device)
        mag, phase = stft(wav)
        mask = self.mask(mag)
        explanation, residual = stft.split(mask, mag, phase, wav.shape[-1])
        return Explanation(wav, explanation, residual, mask, target, self.name, self.sample_rate, self.grid)


class SpectrumControl(FixedMaskExplainer):
    """The classifier-free control ``sigmoid(slope * z)`` (module doc).

    Args:
        slope: the gain on the standardised log-magnitude (2 in issue 9).
    """

    def __init__(self, classifier, slope: float = 2.0, name: str = "control", stft: STFTConfig | None = None):
        super().__init__(classifier, name, stft)
        self.slope = float(slope)

    def mask(self, mag: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.slope * standardized_log_magnitude(mag))


class InputReference(FixedMaskExplainer):
    """The input itself as its own explanation (mask 1 everywhere)."""

    def __init__(self, classifier, name: str = "input", stft: STFTConfig | None = None):
        super().__init__(classifier, name, stft)

    def mask(self, mag: torch.Tensor) -> torch.Tensor:
        return torch.ones_like(mag)
