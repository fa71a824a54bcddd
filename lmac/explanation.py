"""The one result type every explainer returns."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from lmac.audio import save_audio
from lmac.spectral import STFTConfig

__all__ = ["Explanation", "clip_record"]


def _jsonable(value: Any) -> Any:
    if torch.is_tensor(value):
        return value.detach().cpu().tolist()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def clip_record(
    method: str, sample_rate: int, target: int, grid: STFTConfig, info: dict | None = None, extras: dict | None = None
) -> dict:
    """The JSON record written beside one explained clip: ``method``, ``sample_rate``, ``target``,
    ``grid`` (the saliency's STFT grid, ``{"n_fft", "hop_length"}``), then the fields of ``info``,
    then ``extras`` (made JSON-friendly)."""
    record = {"method": method, "sample_rate": sample_rate, "target": int(target), "grid": grid.to_dict()}
    record.update(_jsonable(info) if info else {})
    record["extras"] = _jsonable(extras or {})
    return record


@dataclass
class Explanation:
    """What the classifier's decision rests on, as audio, and everything else.

    Attributes:
        wav: ``(B, T)`` the explained input.
        explanation_wav: ``(B, T)`` the part of the input the decision rests on.
        residual_wav: ``(B, T)`` the rest of the input.
        saliency: ``(B, F, frames)`` in [0, 1] on ``grid`` for ``wav``.
        target: ``(B,)`` the explained class indices.
        method: name of the method that produced it.
        sample_rate: sample rate of the three signals.
        grid: the STFT grid the saliency lives on; consumers (metrics, plots, stitching) read it
            here and never rebuild or guess it.
        extras: method-specific information (e.g. LIME component weights).
    """

    wav: torch.Tensor
    explanation_wav: torch.Tensor
    residual_wav: torch.Tensor
    saliency: torch.Tensor
    target: torch.Tensor
    method: str
    sample_rate: int
    grid: STFTConfig
    extras: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.wav.dim() != 2:
            raise ValueError(f"Explanation.wav must be (B, T), got {tuple(self.wav.shape)}")
        for name in ("explanation_wav", "residual_wav"):
            if getattr(self, name).shape != self.wav.shape:
                raise ValueError(
                    f"Explanation.{name} shape {tuple(getattr(self, name).shape)} != wav {tuple(self.wav.shape)}"
                )
        if self.saliency.dim() != 3 or self.saliency.shape[0] != self.wav.shape[0]:
            raise ValueError(f"Explanation.saliency must be (B, F, frames), got {tuple(self.saliency.shape)}")
        if self.target.shape != (self.wav.shape[0],):
            raise ValueError(f"Explanation.target must be (B,), got {tuple(self.target.shape)}")
        if not isinstance(self.grid, STFTConfig):
            raise TypeError(f"Explanation.grid must be an STFTConfig, got {type(self.grid).__name__}")
        if tuple(self.saliency.shape[1:]) != self.grid.shape(self.wav.shape[-1]):
            raise ValueError(
                f"Explanation.saliency {tuple(self.saliency.shape)} is not on its grid ({self.grid}: "
                f"{self.grid.shape(self.wav.shape[-1])} for {self.wav.shape[-1]} samples)"
            )

    def __len__(self) -> int:
        return self.wav.shape[0]

    def detach(self) -> Explanation:
        """A copy on the CPU with no autograd history."""
        return Explanation(
            self.wav.detach().cpu(),
            self.explanation_wav.detach().cpu(),
            self.residual_wav.detach().cpu(),
            self.saliency.detach().cpu(),
            self.target.detach().cpu(),
            self.method,
            self.sample_rate,
            self.grid,
            dict(self.extras),
        )

    def save(self, directory: str | os.PathLike, stem: str = "clip", info: list[dict] | None = None) -> list[Path]:
        """Write ``<stem>.explanation.wav``, ``<stem>.residual.wav`` and ``<stem>.json`` per item.

        With several items the stems are ``<stem>_<i>``. The JSON records the method, rate, target and
        the saliency's STFT grid (``{"n_fft", "hop_length"}``); ``info`` adds per-item fields.

        Returns:
            The written paths.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        for i in range(len(self)):
            name = stem if len(self) == 1 else f"{stem}_{i}"
            for kind, sig in (("explanation", self.explanation_wav[i]), ("residual", self.residual_wav[i])):
                path = directory / f"{name}.{kind}.wav"
                save_audio(path, sig, self.sample_rate)
                written.append(path)
            record = clip_record(
                self.method, self.sample_rate, int(self.target[i]), self.grid, info[i] if info else None, self.extras
            )
            path = directory / f"{name}.json"
            path.write_text(json.dumps(record, indent=2))
            written.append(path)
        return written
