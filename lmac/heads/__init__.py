"""Trained explanation heads."""

from lmac.heads.base import HeadOutput, MaskHead
from lmac.heads.spectrogram import SpectrogramMaskHead

__all__ = ["HeadOutput", "MaskHead", "SpectrogramMaskHead"]
