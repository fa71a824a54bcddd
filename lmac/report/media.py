"""Audio and images as data URIs, so a report is one file that plays offline."""

from __future__ import annotations

import base64
import io

import numpy as np
import soundfile as sf
from PIL import Image

__all__ = ["AUDIO_FORMATS", "audio_uri", "png_uri", "svg_uri"]

# name -> (soundfile format, subtype, MIME type). All play in Chromium and Firefox.
AUDIO_FORMATS = {
    "ogg": ("OGG", "VORBIS", "audio/ogg"),  # Ogg Vorbis (lossy, about 4x smaller than FLAC)
    "flac": ("FLAC", "PCM_16", "audio/flac"),  # lossless at 16 bits
}


def _uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def audio_uri(wav: np.ndarray, sample_rate: int, fmt: str = "ogg") -> str:
    """A ``(T,)`` signal in [-1, 1] as a data URI in one of :data:`AUDIO_FORMATS`."""
    if fmt not in AUDIO_FORMATS:
        raise ValueError(f"unknown audio format {fmt!r}; choose one of {sorted(AUDIO_FORMATS)}")
    container, subtype, mime = AUDIO_FORMATS[fmt]
    buffer = io.BytesIO()
    sf.write(
        buffer, np.clip(np.asarray(wav, dtype=np.float32), -1, 1), int(sample_rate), subtype=subtype, format=container
    )
    return _uri(mime, buffer.getvalue())


def png_uri(png: bytes) -> str:
    """A PNG figure as a WebP data URI (quality 80: about 5x smaller than the PNG, same pixel size)."""
    buffer = io.BytesIO()
    with Image.open(io.BytesIO(png)) as image:
        image.convert("RGB").save(buffer, format="WEBP", quality=80, method=6)
    return _uri("image/webp", buffer.getvalue())


def svg_uri(svg: bytes) -> str:
    """An SVG figure as a data URI."""
    return _uri("image/svg+xml", svg)
