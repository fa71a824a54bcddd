"""Callbacks: listenable example explanations for loggers that take audio and images."""

from __future__ import annotations

import lightning as L
import torch
from lightning.pytorch.loggers import TensorBoardLogger, WandbLogger

__all__ = ["ExplanationExamples"]


def _mask_image(mask: torch.Tensor) -> torch.Tensor:
    """``(F, frames)`` in [0, 1] -> ``(1, F, frames)`` image, low frequencies at the bottom."""
    return mask.detach().float().cpu().flip(0).unsqueeze(0).clamp(0, 1)


class ExplanationExamples(L.Callback):
    """After each validation epoch, explain the first ``n_examples`` validation clips and log
    input / explanation / residual audio and the mask image to TensorBoard and wandb loggers
    (loggers that take neither, like CSV, are skipped).

    Args:
        n_examples: clips to log.
        every_n_epochs: logging period.
    """

    def __init__(self, n_examples: int = 4, every_n_epochs: int = 1):
        self.n_examples, self.every_n_epochs = n_examples, every_n_epochs
        self._wav: torch.Tensor | None = None

    def on_validation_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0) -> None:
        if batch_idx == 0 and self._wav is None:
            self._wav = batch["wav"][: self.n_examples].detach()

    def on_validation_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self._wav is None or trainer.sanity_checking or not trainer.is_global_zero:
            return
        if trainer.current_epoch % self.every_n_epochs:
            return
        was_training = pl_module.training
        exp = pl_module.explainer().explain(self._wav.to(pl_module.device))
        pl_module.train(was_training)
        names = pl_module.classifier.class_names
        for logger in trainer.loggers:
            for i in range(len(exp)):
                tag = f"examples/{i}_{names[int(exp.target[i])]}"
                signals = {"input": exp.wav[i], "explanation": exp.explanation_wav[i], "residual": exp.residual_wav[i]}
                self._log(logger, tag, signals, _mask_image(exp.saliency[i]), exp.sample_rate, trainer.global_step)

    @staticmethod
    def _log(logger, tag: str, signals: dict, image: torch.Tensor, sample_rate: int, step: int) -> None:
        if isinstance(logger, TensorBoardLogger):
            for kind, sig in signals.items():
                logger.experiment.add_audio(f"{tag}/{kind}", sig.detach().cpu().clamp(-1, 1), step, sample_rate)
            logger.experiment.add_image(f"{tag}/mask", image, step)
        elif isinstance(logger, WandbLogger):
            logger.log_audio(key=tag, audios=[s.detach().cpu().numpy() for s in signals.values()], step=step,
                             sample_rate=[sample_rate] * len(signals), caption=list(signals))
            logger.log_image(key=f"{tag}/mask", images=[image[0].numpy()], step=step)
