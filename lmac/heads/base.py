"""The contract of a trained explanation head."""

from __future__ import annotations

import abc
from dataclasses import dataclass

import torch
from torch import nn

from lmac.checkpoint import captured_config
from lmac.spectral import STFTConfig

__all__ = ["HeadOutput", "MaskHead"]


@dataclass
class HeadOutput:
    """What a head returns for a batch.

    Attributes:
        explanation_wav: ``(B, T)`` audio the decision rests on.
        residual_wav: ``(B, T)`` the rest.
        mask: the head's own mask, in its own domain (STFT bins or encoder frames), in [0, 1].
        saliency: ``(B, F, frames)`` in [0, 1] on ``grid``, for plots and metrics.
        sparsity: the tensor the L1 / TV regularisers act on (the mask, or a spectrogram).
        grid: the STFT grid of ``saliency`` (the head's ``stft`` argument).
    """

    explanation_wav: torch.Tensor
    residual_wav: torch.Tensor
    mask: torch.Tensor
    saliency: torch.Tensor
    sparsity: torch.Tensor
    grid: STFTConfig


class MaskHead(nn.Module, abc.ABC):
    """A decoder from a frozen classifier's features to an explanation of one target class.

    Heads are conditioned on the target class, so one trained head explains any class.
    A head takes its saliency grid as one ``stft`` constructor argument (an
    :class:`~lmac.spectral.STFTConfig`, ``None`` for the default), exposes it as ``grid`` and
    returns it on every :class:`HeadOutput`.
    """

    grid: STFTConfig

    @abc.abstractmethod
    def forward(self, wav: torch.Tensor, features: list[torch.Tensor], target: torch.Tensor) -> HeadOutput:
        """``wav (B, T)``, classifier features (deepest first), ``target (B,)`` -> :class:`HeadOutput`."""

    def bind_stems(self, stems: dict[str, torch.Tensor] | None) -> None:
        """Ground-truth stems (name -> ``(B, T)``) of the clips of the next :meth:`forward` call; a
        no-op except for heads over oracle sources (:class:`~lmac.heads.ComponentGateHead`)."""

    def bind_classifier(self, classifier: nn.Module) -> None:
        """The classifier being explained, handed over before each :meth:`forward` call; a no-op except
        for heads that run it on parts of the input (:class:`~lmac.heads.SoloComponentGateHead`)."""

    def config(self) -> dict:
        """Init kwargs that rebuild this head (weights excluded), as recorded by
        :func:`lmac.checkpoint.capture_init` on the head's ``__init__``."""
        return captured_config(self)
