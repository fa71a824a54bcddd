"""The per-clip figure: input spectrogram, saliency mask and explanation spectrogram on one time axis.

One function draws it (:func:`spectrogram_panels`, through :func:`explanation_figure`):
``lmac explain`` writes it as ``<stem>.png`` (:func:`save_explanation_png`), the HTML report shows
that file, and the training callback logs the same figure (:func:`lmac.report.clips.clip_view`).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import torch
from matplotlib.figure import Figure

from lmac.atomic import atomic_path
from lmac.spectral import STFT, STFTConfig

__all__ = ["explanation_figure", "figure_bytes", "save_explanation_png", "spectrogram_panels"]

DYNAMIC_RANGE_DB = 80.0


def _db(mag: torch.Tensor) -> torch.Tensor:
    return 20 * torch.log10(mag.clamp_min(1e-5))


def figure_bytes(fig: Figure, format: str = "png", dpi: int = 100) -> bytes:
    """Render a figure (``matplotlib.figure.Figure``: no pyplot, no global state) to bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=dpi, format=format)
    return buffer.getvalue()


def explanation_figure(
    wav: torch.Tensor,
    explanation_wav: torch.Tensor,
    saliency: torch.Tensor,
    sample_rate: int,
    title: str = "",
    *,
    grid: STFTConfig,
) -> bytes:
    """Three panels sharing the time axis: input (dB), saliency mask, explanation (dB); PNG bytes.

    Args:
        wav, explanation_wav: ``(T,)`` signals.
        saliency: ``(F, frames)`` in [0, 1] on ``grid``.
        sample_rate: of the signals (sets the axes).
        title: figure title.
        grid: the saliency's STFT grid (``Explanation.grid``); the spectrograms are drawn on it too.
    """
    stft = STFT(grid)
    mag = stft(wav[None].detach().cpu().float())[0][0]
    mag_e = stft(explanation_wav[None].detach().cpu().float())[0][0]
    return spectrogram_panels(mag, saliency, mag_e, wav.shape[-1] / sample_rate, sample_rate, title)


def spectrogram_panels(
    mag: torch.Tensor, saliency: torch.Tensor, mag_e: torch.Tensor, seconds: float, sample_rate: int, title: str = ""
) -> bytes:
    """The figure of :func:`explanation_figure` from magnitudes already computed (e.g. pooled over
    time for a long recording); PNG bytes, 700 x 380 pixels.

    Both spectrograms use the input's colour scale (its peak down to 80 dB below), so a quieter
    explanation looks darker.

    Args:
        mag, mag_e: ``(F, columns)`` linear STFT magnitudes of input and explanation.
        saliency: ``(F', columns')`` in [0, 1].
        seconds: the time all three span.
        sample_rate: of the signals (sets the frequency axis).
        title: figure title.
    """
    extent = (0, seconds, 0, sample_rate / 2000)
    mag, mag_e = mag.detach().cpu().float(), mag_e.detach().cpu().float()
    top = float(_db(mag).max())
    spec = dict(cmap="magma", vmin=top - DYNAMIC_RANGE_DB, vmax=top)
    panels = [
        ("input (dB)", _db(mag), spec),
        ("saliency mask", saliency.detach().cpu().float(), dict(cmap="viridis", vmin=0, vmax=1)),
        ("explanation (dB)", _db(mag_e), spec),
    ]
    fig = Figure(figsize=(7.0, 3.8), layout="constrained")
    axes = fig.subplots(3, 1, sharex=True)
    for ax, (name, image, style) in zip(axes, panels):
        im = ax.imshow(image.numpy(), origin="lower", aspect="auto", extent=extent, **style)
        ax.set_ylabel("kHz", fontsize=8)
        ax.set_title(name, fontsize=8, loc="left", pad=2)
        ax.tick_params(labelsize=7)
        fig.colorbar(im, ax=ax, pad=0.01, aspect=10).ax.tick_params(labelsize=7)
    axes[-1].set_xlabel("seconds", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9)
    return figure_bytes(fig)


def save_explanation_png(
    path: str | os.PathLike,
    wav: torch.Tensor,
    explanation_wav: torch.Tensor,
    saliency: torch.Tensor,
    sample_rate: int,
    title: str = "",
    *,
    grid: STFTConfig,
) -> None:
    """Write :func:`explanation_figure` to ``path`` (atomic write); same arguments."""
    png = explanation_figure(wav, explanation_wav, saliency, sample_rate, title, grid=grid)
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(png)
