"""Callbacks: listenable example explanations for loggers that take audio and images."""

from __future__ import annotations

import io

import lightning as L
import numpy as np
import torch
from lightning.pytorch.loggers import TensorBoardLogger, WandbLogger
from matplotlib.image import imread

from lmac.report.clips import SIGNALS, ClipView, clip_view, listening_gain, signal_probabilities

__all__ = ["ExplanationExamples"]


def _image(png: bytes) -> np.ndarray:
    """PNG bytes -> ``(H, W, 3)`` float image in [0, 1]."""
    return imread(io.BytesIO(png), format="png")[..., :3]


class ExplanationExamples(L.Callback):
    """After each validation epoch, explain the first ``n_examples`` validation clips and log what
    the HTML report shows for a clip (:func:`lmac.report.clips.clip_view`: input / explanation /
    residual audio on one loudness scale, the input-mask-explanation figure, the target's
    probability on each signal) to TensorBoard and wandb loggers (loggers that take neither, like
    CSV, are skipped).

    Args:
        n_examples: clips to log.
        every_n_epochs: logging period.
    """

    def __init__(self, n_examples: int = 4, every_n_epochs: int = 1):
        self.n_examples, self.every_n_epochs = n_examples, every_n_epochs
        self._wav: torch.Tensor | None = None
        self._stems: dict[str, torch.Tensor] | None = None

    def on_validation_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0) -> None:
        if batch_idx == 0 and self._wav is None:
            self._wav = batch["wav"][: self.n_examples].detach()
            if batch.get("stems") is not None:  # for heads over oracle stems
                self._stems = {k: v[: self.n_examples].detach() for k, v in batch["stems"].items()}

    def on_validation_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self._wav is None or trainer.sanity_checking or not trainer.is_global_zero:
            return
        if trainer.current_epoch % self.every_n_epochs:
            return
        was_training = pl_module.training
        explainer = pl_module.explainer()
        if self._stems is not None:
            explainer.bind_stems({k: v.to(pl_module.device) for k, v in self._stems.items()})
        exp = explainer.explain(self._wav.to(pl_module.device)).detach()
        pl_module.train(was_training)
        facts = signal_probabilities(pl_module.classifier, exp)
        for i, info in enumerate(facts):
            view = clip_view(exp, i, info, f"{i}_{info['target_name']}")
            for logger in trainer.loggers:
                self._log(logger, f"examples/{view.name}", view, trainer.global_step)

    @staticmethod
    def _log(logger, tag: str, view: ClipView, step: int) -> None:
        gain = listening_gain([view])
        audio = {s: view.audio[s] * gain for s in SIGNALS}
        captions = [f"{s}: p({view.target_name}) = {view.probs[s]:.3f}" for s in SIGNALS]
        if isinstance(logger, TensorBoardLogger):
            for s in SIGNALS:
                logger.experiment.add_audio(f"{tag}/{s}", torch.from_numpy(audio[s]), step, view.sample_rate)
            logger.experiment.add_image(f"{tag}/figure", _image(view.figure), step, dataformats="HWC")
            logger.experiment.add_text(f"{tag}/probabilities", "  \n".join(captions), step)
        elif isinstance(logger, WandbLogger):
            logger.log_audio(
                key=tag,
                audios=[audio[s] for s in SIGNALS],
                step=step,
                sample_rate=[view.sample_rate] * len(SIGNALS),
                caption=captions,
            )
            logger.log_image(key=f"{tag}/figure", images=[_image(view.figure)], step=step)
