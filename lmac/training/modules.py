"""LightningModules: the explainer head on a frozen classifier, and the demo classifier itself."""

from __future__ import annotations

import os
from collections.abc import Callable

import lightning as L
import torch

from lmac.classifiers import AudioClassifier, save_classifier
from lmac.data.labels import data_label_map, targets_from_labels
from lmac.explainers.lmac import LMAC
from lmac.heads.base import MaskHead
from lmac.losses import LMACLoss
from lmac.metrics import faithfulness, fidelity_in
from lmac.outputs import classification_accuracy, classification_loss
from lmac.training.frozen import quiet_frozen_eval_warning

__all__ = ["ExplainerModule", "ClassifierModule"]

OptimizerFactory = Callable[..., torch.optim.Optimizer]


class _StagedModule(L.LightningModule):
    """Routes train / val / test batches to one ``_step(batch, stage)``."""

    def _step(self, batch: dict, stage: str) -> torch.Tensor:
        raise NotImplementedError

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        return self._step(batch, "train")

    def validation_step(self, batch: dict, batch_idx: int) -> None:
        self._step(batch, "val")

    def test_step(self, batch: dict, batch_idx: int) -> None:
        self._step(batch, "test")


class ExplainerModule(_StagedModule):
    """Trains a head with the masked-in / masked-out loss; the classifier stays frozen.

    Explanation and residual are scored through audio (iSTFT or the time-domain decoder),
    the same door as evaluation, so what is trained is what is heard.

    Args:
        classifier: frozen classifier (its parameters never reach the optimizer).
        head: the head to train.
        loss: the weighted objective; its ``output`` type must be the classifier's.
        optimizer: factory taking the head's parameters (``functools.partial`` / Hydra ``_partial_``).
        target: ``"prediction"`` (the classifier's own top class, L-MAC default) or ``"label"``
            (the data's label, mapped to the classifier's classes by name; multi-hot labels: one
            present class per clip, drawn at random).
        other_target_prob: share of training clips explained for a random other class instead,
            so the target-conditioned head also learns what supports a class that did not win.
    """

    def __init__(self, classifier: AudioClassifier, head: MaskHead, loss: LMACLoss, optimizer: OptimizerFactory,
                 target: str = "prediction", other_target_prob: float = 0.2):
        super().__init__()
        if target not in ("prediction", "label"):
            raise ValueError(f"target must be 'prediction' or 'label', got {target!r}")
        if loss.output != classifier.output:
            raise ValueError(f"the loss is for {loss.output} outputs, the classifier's are {classifier.output}; "
                             "build it with LMACLoss(..., output=classifier.output)")
        self.classifier = classifier.freeze()
        self.head, self.loss, self.optimizer_factory = head, loss, optimizer
        self.target_source, self.other_target_prob = target, float(other_target_prob)
        self.label_index: torch.Tensor | None = None  # data label -> classifier index, set in setup()

    def setup(self, stage: str) -> None:
        if self.target_source == "label":
            self.label_index = data_label_map(self.trainer.datamodule, self.classifier.class_names)

    def on_fit_start(self) -> None:
        self._quiet = quiet_frozen_eval_warning(self.classifier)

    def on_train_start(self) -> None:
        self._quiet.close()

    def _targets(self, logits: torch.Tensor, labels: torch.Tensor, training: bool) -> torch.Tensor:
        if self.target_source == "prediction":
            target = logits.argmax(dim=-1)
        else:
            target = targets_from_labels(labels, self.label_index)
        if training and self.other_target_prob > 0:
            swap = torch.rand(target.shape, device=target.device) < self.other_target_prob
            shift = torch.randint(1, self.classifier.n_classes, target.shape, device=target.device)
            target = torch.where(swap, (target + shift) % self.classifier.n_classes, target)
        return target

    def _step(self, batch: dict, stage: str) -> torch.Tensor:
        wav = batch["wav"]
        with torch.no_grad():
            logits, features = self.classifier.logits_and_features(wav)
        target = self._targets(logits, batch["label"], stage == "train")
        out = self.head(wav, features, target)
        logits_in, logits_out = self.classifier(out.explanation_wav), self.classifier(out.residual_wav)
        terms = self.loss(logits_in, logits_out, target, out.sparsity, wav=wav,
                          rebuilt_wav=out.explanation_wav + out.residual_wav)
        log = {f"{stage}/{k}": v for k, v in terms.items()}
        if stage != "train":
            output = self.classifier.output
            log[f"{stage}/fid_in"] = fidelity_in(logits_in, target, output=output).mean()
            log[f"{stage}/ff"] = faithfulness(logits, logits_out, target, output=output).mean()
            log[f"{stage}/mask_mean"] = out.saliency.mean()
        self.log_dict(log, prog_bar=stage != "train", on_epoch=True, on_step=False,
                      batch_size=wav.shape[0], sync_dist=stage != "train")
        return terms["loss"]

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return self.optimizer_factory(self.head.parameters())

    def explainer(self) -> LMAC:
        return LMAC(self.classifier, self.head)

    def export(self, path: str | os.PathLike, **metadata) -> None:
        self.explainer().export(path, **metadata)


class ClassifierModule(_StagedModule):
    """Trains a classifier on its labels (used for the demo classifier): cross-entropy on class
    indices, or binary cross-entropy on multi-hot labels for a ``"sigmoid"`` classifier
    (:func:`~lmac.outputs.classification_loss`; ``acc`` is :func:`~lmac.outputs.classification_accuracy`).

    Args:
        classifier: the model to train (unfrozen here).
        optimizer: factory taking the parameters.
        gain_db: random per-clip gain range for augmentation, in dB (0 disables).
    """

    def __init__(self, classifier: AudioClassifier, optimizer: OptimizerFactory, gain_db: float = 6.0):
        super().__init__()
        self.classifier = classifier.unfreeze()
        self.optimizer_factory, self.gain_db = optimizer, float(gain_db)

    def _step(self, batch: dict, stage: str) -> torch.Tensor:
        wav, labels = batch["wav"], batch["label"]
        if stage == "train" and self.gain_db > 0:
            gain_db = (torch.rand(wav.shape[0], 1, device=wav.device) * 2 - 1) * self.gain_db
            wav = wav * 10 ** (gain_db / 20)
        logits = self.classifier(wav)
        output = self.classifier.output
        loss, acc = classification_loss(logits, labels, output), classification_accuracy(logits, labels, output)
        self.log_dict({f"{stage}/loss": loss, f"{stage}/acc": acc}, prog_bar=True, on_epoch=True,
                      on_step=False, batch_size=wav.shape[0], sync_dist=stage != "train")
        return loss

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return self.optimizer_factory(self.classifier.parameters())

    def export(self, path: str | os.PathLike, **metadata) -> None:
        save_classifier(self.classifier, path, **metadata)
