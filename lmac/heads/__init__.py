"""Trained explanation heads: ``MaskHead`` and ``HeadOutput`` (base.py), L-MAC (spectrogram.py),
source-level gates (components.py), LMAC-TD (sepformer.py, imported on first use: it loads SpeechBrain,
which takes seconds)."""

from lmac.heads.base import HeadOutput, MaskHead
from lmac.heads.components import ComponentGateHead, SoloComponentGateHead
from lmac.heads.spectrogram import SpectralGainMaskHead, SpectrogramMaskHead

__all__ = [
    "ComponentGateHead",
    "HeadOutput",
    "MaskHead",
    "SepFormerMaskHead",
    "SoloComponentGateHead",
    "SpectralGainMaskHead",
    "SpectrogramMaskHead",
    "save_codec",
]

_LAZY = {"SepFormerMaskHead", "SoloComponentGateHead", "save_codec"}


def __getattr__(name: str):
    if name in _LAZY:
        from lmac.heads import sepformer

        return getattr(sepformer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
