"""Spectrogram-with-mask figures."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from lmac.atomic import atomic_path  # noqa: E402
from lmac.spectral import STFT, STFTConfig  # noqa: E402

__all__ = ["save_explanation_png"]


def _db(mag: torch.Tensor) -> torch.Tensor:
    return 20 * torch.log10(mag.clamp_min(1e-5))


def save_explanation_png(path: str | os.PathLike, wav: torch.Tensor, explanation_wav: torch.Tensor,
                         saliency: torch.Tensor, sample_rate: int, title: str = "", *, grid: STFTConfig) -> None:
    """Three panels: input spectrogram, saliency mask, explanation spectrogram (atomic write).

    Args:
        wav, explanation_wav: ``(T,)`` signals.
        saliency: ``(F, frames)`` in [0, 1] on ``grid``.
        grid: the saliency's STFT grid (``Explanation.grid``); the spectrograms are drawn on it too.
    """
    stft = STFT(grid)
    mag = stft(wav[None].cpu().float())[0][0]
    mag_e = stft(explanation_wav[None].cpu().float())[0][0]
    seconds = wav.shape[-1] / sample_rate
    extent = (0, seconds, 0, sample_rate / 2000)
    top = float(_db(mag).max())
    fig, axes = plt.subplots(3, 1, figsize=(8, 7.5), sharex=True, constrained_layout=True)
    panels = [("input (dB)", _db(mag), dict(cmap="magma", vmin=top - 80, vmax=top)),
              ("saliency mask", saliency.detach().cpu().float(), dict(cmap="viridis", vmin=0, vmax=1)),
              ("explanation (dB)", _db(mag_e), dict(cmap="magma", vmin=top - 80, vmax=top))]
    for ax, (name, image, style) in zip(axes, panels):
        im = ax.imshow(image.numpy(), origin="lower", aspect="auto", extent=extent, **style)
        ax.set_ylabel("kHz")
        ax.set_title(name, fontsize=9, loc="left")
        fig.colorbar(im, ax=ax, pad=0.01)
    axes[-1].set_xlabel("seconds")
    if title:
        fig.suptitle(title, fontsize=10)
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=100, format="png")
    finally:
        plt.close(fig)
