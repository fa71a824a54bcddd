"""Separator adapters for :class:`~lmac.explainers.factorizations.SeparatorFactorization`."""

from __future__ import annotations

import os
from pathlib import Path

import torch

__all__ = ["SpeechBrainSeparator"]


class SpeechBrainSeparator:
    """A SpeechBrain separation model (e.g. SepFormer) loaded from a LOCAL folder.

    The folder holds ``hyperparams.yaml`` (with ``modules`` encoder/masknet/decoder and a
    ``pretrainer``) and the checkpoint files it names, as SpeechBrain's model cards do.
    Nothing is downloaded: a missing folder is an error. Note that ``hyperparams.yaml`` is
    HyperPyYAML, which can run code: load only folders you trust.

    Args:
        source: local folder of the model.
        source_names: names of the separated sources, in the model's output order
            (default ``source0``, ``source1``, ...).
        savedir: where SpeechBrain links the files (default: ``source`` itself).
        device: device to run the model on.
        interface: SpeechBrain inference class with ``from_hparams`` and ``separate_batch``
            (default ``speechbrain.inference.separation.SepformerSeparation``).

    Calling it maps ``wav (B, T)`` at :attr:`sample_rate` to ``{name: (B, T)}``.
    """

    def __init__(
        self,
        source: str | os.PathLike,
        source_names: list[str] | None = None,
        savedir: str | os.PathLike | None = None,
        device: str = "cpu",
        interface=None,
    ):
        path = Path(source).expanduser()
        if not (path / "hyperparams.yaml").is_file():
            raise FileNotFoundError(
                f"{path}: not a local SpeechBrain model folder (no hyperparams.yaml); lmac never downloads models"
            )
        if interface is None:
            from speechbrain.inference.separation import SepformerSeparation as interface
        self.model = interface.from_hparams(source=str(path), savedir=str(savedir or path), run_opts={"device": device})
        self.model.eval()
        self.source_names = list(source_names) if source_names is not None else None
        self.sample_rate = getattr(self.model.hparams, "sample_rate", None)

    @torch.no_grad()
    def __call__(self, wav: torch.Tensor) -> dict[str, torch.Tensor]:
        """``wav (B, T)`` -> ``{name: (B, T)}`` on ``wav``'s device."""
        est = self.model.separate_batch(wav.to(self.model.device)).to(wav.device)  # (B, T, S)
        names = self.source_names or [f"source{i}" for i in range(est.shape[-1])]
        if len(names) != est.shape[-1]:
            raise ValueError(f"the model separates {est.shape[-1]} sources but {len(names)} names were given")
        return {name: est[..., i] for i, name in enumerate(names)}
