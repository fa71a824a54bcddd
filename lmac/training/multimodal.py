"""Training the audio + lyrics classifier, with its accuracy per modality."""

from __future__ import annotations

import torch

from lmac.outputs import classification_accuracy
from lmac.training.modules import ClassifierModule

__all__ = ["LyricsClassifierModule"]


class LyricsClassifierModule(ClassifierModule):
    """:class:`~lmac.training.ClassifierModule` for a classifier that reads ``forward(wav, lyrics)``
    (:class:`~lmac.classifiers.LyricsMelCNN`), fed the batch's ``text``. Validation and test also log
    the accuracy of each modality alone: ``acc_audio`` (no lyric) and ``acc_lyrics`` (silent audio).
    """

    def _logits(self, wav: torch.Tensor, batch: dict) -> torch.Tensor:
        return self.classifier(wav, batch["text"])

    def _step(self, batch: dict, stage: str) -> torch.Tensor:
        loss = super()._step(batch, stage)
        if stage != "train":
            wav, labels, output = batch["wav"], batch["label"], self.classifier.output
            with torch.no_grad():
                audio_only = self.classifier(wav)
                lyrics_only = self.classifier(torch.zeros_like(wav), batch["text"])
            self.log_dict(
                {
                    f"{stage}/acc_audio": classification_accuracy(audio_only, labels, output),
                    f"{stage}/acc_lyrics": classification_accuracy(lyrics_only, labels, output),
                },
                on_epoch=True,
                on_step=False,
                batch_size=wav.shape[0],
                sync_dist=True,
            )
        return loss
