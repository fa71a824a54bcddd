"""Trained explanation heads."""

from lmac.heads.base import HeadOutput, MaskHead
from lmac.heads.sepformer import SepFormerMaskHead, save_codec
from lmac.heads.spectrogram import SpectralGainMaskHead, SpectrogramMaskHead

__all__ = ["HeadOutput", "MaskHead", "SepFormerMaskHead", "SpectralGainMaskHead", "SpectrogramMaskHead", "save_codec"]
