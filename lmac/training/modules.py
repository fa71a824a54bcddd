"""LightningModules: the explainer head on a frozen classifier, and the demo classifier itself."""

from __future__ import annotations

import os
from collections.abc import Callable

import lightning as L
import torch

from lmac.classifiers import AudioClassifier, save_classifier
from lmac.data.labels import data_label_map, targets_from_labels
from lmac.explainers.factorizations import OracleStems
from lmac.explainers.lmac import LMAC, init_head_from
from lmac.heads.base import MaskHead
from lmac.losses import LMACLoss
from lmac.metrics import faithfulness, fidelity_in
from lmac.metrics.sensitivity import asked_source_share, both_kept, map_correlation, unsaturated_share
from lmac.outputs import classification_accuracy, classification_loss
from lmac.spectral import STFT
from lmac.training.frozen import quiet_frozen_eval_warning
from lmac.training.mixtures import ExplainRows, TwoClassMixtures, class_stems

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
    the same door as evaluation, so what is trained is what is heard. With ``mixtures``, part
    of each batch becomes two-class mixtures, each explained once for each class it holds
    (:class:`~lmac.training.mixtures.TwoClassMixtures`).

    Validation logs, besides the loss terms: ``fid_in`` and ``ff`` (single clips), ``mask_mean``,
    ``unsaturated`` (share of mask values in (0.05, 0.95)), ``target_corr`` (correlation of the
    masks for the clip's class and the next class on the same clip), ``mix_both`` (share of
    mixtures where both explanations keep their own source) and ``faithful`` =
    ``fid_in + ff + mix_both``, the key heads are selected on (``mix_both`` counts 0 without mixtures).

    Guidance (L-MAC FT): when the batch carries stems, each row carries the stem of its explained class
    (the stem named like the class; :func:`~lmac.training.mixtures.class_stems`), and the loss gets the
    saliency, the row's magnitude and that stem's magnitude on the head's grid, so it can log (and, with
    ``w_guide > 0``, train) its ``guide`` term. ``init_from`` starts the head from a trained explainer's.

    Args:
        classifier: frozen classifier (its parameters never reach the optimizer).
        head: the head to train.
        loss: the weighted objective; its ``output`` type must be the classifier's.
        optimizer: factory taking the head's parameters (``functools.partial`` / Hydra ``_partial_``).
        target_from: ``"prediction"`` (explain the classifier's own top class, L-MAC default) or
            ``"label"`` (the data's label, mapped to the classifier's classes by name; multi-hot
            labels: one present class per clip, drawn at random).
        mixtures: makes the two-class mixtures (``None``: single clips only).
        grad_clip: maximum gradient norm, applied by the Trainer (see :meth:`configure_gradient_clipping`).
        init_from: an exported explainer (a path or a shipped name such as ``"demo_lmac"``) whose head
            this one starts from; it must be for this classifier and this head configuration
            (:func:`~lmac.explainers.lmac.init_head_from`).
    """

    def __init__(
        self,
        classifier: AudioClassifier,
        head: MaskHead,
        loss: LMACLoss,
        optimizer: OptimizerFactory,
        target_from: str = "prediction",
        mixtures: TwoClassMixtures | None = None,
        grad_clip: float | None = 1.0,
        init_from: str | None = None,
    ):
        super().__init__()
        if target_from not in ("prediction", "label"):
            raise ValueError(f"target_from must be 'prediction' or 'label', got {target_from!r}")
        if loss.output != classifier.output:
            raise ValueError(
                f"the loss is for {loss.output} outputs, the classifier's are {classifier.output}; "
                "build it with LMACLoss(..., output=classifier.output)"
            )
        if mixtures is not None and isinstance(getattr(head, "factorization", None), OracleStems):
            raise ValueError(
                "a head over oracle stems cannot train on in-batch mixtures (they have no stems); "
                "set module.mixtures=null"
            )
        self.classifier = classifier.freeze()
        if init_from is not None:
            init_head_from(head, self.classifier, init_from)
        self.head, self.loss, self.optimizer_factory = head, loss, optimizer
        self.target_from, self.mixtures, self.grad_clip = target_from, mixtures, grad_clip
        self.label_index: torch.Tensor | None = None  # data label -> classifier index, set in setup()

    def setup(self, stage: str) -> None:
        if self.target_from == "label":
            self.label_index = data_label_map(self.trainer.datamodule, self.classifier.class_names)

    def on_fit_start(self) -> None:
        self._quiet = quiet_frozen_eval_warning(self.classifier)

    def on_train_start(self) -> None:
        self._quiet.close()

    def _rows(self, wav: torch.Tensor, labels: torch.Tensor, stage: str, stems: dict | None = None):
        """Classifier pass on the batch, targets, and the rows to explain with their features (and with
        their target stems, given the batch's ``stems``)."""
        with torch.no_grad():
            logits, features = self.classifier.logits_and_features(wav)
        if self.target_from == "prediction":
            target = logits.argmax(dim=-1)
        else:
            target = targets_from_labels(labels, self.label_index)
        stem = class_stems(stems, target, self.classifier.class_names)
        if self.mixtures:
            rows = self.mixtures(wav, target, stage == "train", target_stem=stem)
        else:
            rows = ExplainRows.singles(wav, target, stem)
        if rows.n_mixture_rows:
            with torch.no_grad():
                mix_features = self.classifier.features(rows.wav[rows.mixture_pairs[0]])
            features = [torch.cat([f[rows.single_index], m, m]) for f, m in zip(features, mix_features)]
        return logits, rows, features

    def _step(self, batch: dict, stage: str) -> torch.Tensor:
        logits, rows, features = self._rows(batch["wav"], batch["label"], stage, batch.get("stems"))
        self.head.bind_stems(batch.get("stems"))  # heads over oracle stems (ComponentGateHead); else a no-op
        self.head.bind_classifier(self.classifier)  # heads that run it on parts of the input; else a no-op
        out = self.head(rows.wav, features, rows.target)
        logits_in, logits_out = self.classifier(torch.cat([out.explanation_wav, out.residual_wav])).chunk(2)
        terms = self.loss(
            logits_in,
            logits_out,
            rows.target,
            out.sparsity,
            wav=rows.wav,
            explanation_wav=out.explanation_wav,
            rebuilt_wav=out.explanation_wav + out.residual_wav,
            **self._guide_inputs(rows, out),
        )
        log = {f"{stage}/{k}": v for k, v in terms.items()}
        if stage != "train":
            log.update(self._validation_metrics(stage, logits, rows, features, out, logits_in, logits_out))
        self.log_dict(
            log,
            prog_bar=stage != "train",
            on_epoch=True,
            on_step=False,
            batch_size=rows.wav.shape[0],
            sync_dist=stage != "train",
        )
        return terms["loss"]

    def _guide_inputs(self, rows: ExplainRows, out) -> dict:
        """The saliency and the magnitude of each row on the saliency's grid, with the rows explaining each
        mixture (``pairs``, for the overlap term) and the magnitude of each row's target stem (for the
        guidance term, when the batch has stems); nothing for single clips without stems."""
        if rows.target_stem is None and not rows.n_mixture_rows:
            return {}
        stft = STFT(out.grid).to(rows.wav.device)
        inputs = {"saliency": out.saliency}
        with torch.no_grad():
            if rows.target_stem is None:
                inputs["mag"] = stft(rows.wav)[0]
            else:
                inputs["mag"], inputs["clean_mag"] = stft(torch.cat([rows.wav, rows.target_stem]))[0].chunk(2)
        if rows.n_mixture_rows:
            inputs["pairs"] = rows.mixture_pairs
        return inputs

    @torch.no_grad()
    def _validation_metrics(self, stage, logits, rows, features, out, logits_in, logits_out) -> dict:
        """Faithfulness on single clips, mask health, class sensitivity (see the class docstring)."""
        n, single = rows.n_single, rows.single_index
        target = rows.target[:n]
        other = (target + 1) % self.classifier.n_classes
        swapped = self.head(rows.wav[:n], [f[:n] for f in features], other).mask
        metrics = {
            "fid_in": fidelity_in(logits_in[:n], target, output=self.classifier.output).mean(),
            "ff": faithfulness(logits[single], logits_out[:n], target, output=self.classifier.output).mean(),
            "mask_mean": out.mask.mean(),
            "unsaturated": unsaturated_share(out.mask).mean(),
            "target_corr": map_correlation(out.mask[:n], swapped).mean(),
        }
        mix_both = torch.zeros((), device=logits.device)
        if rows.n_mixture_rows:
            share = asked_source_share(out.explanation_wav[n:], rows.sources)
            mix_both = both_kept(share, rows.mixture_index).mean()
        metrics["mix_both"] = mix_both
        metrics["faithful"] = metrics["fid_in"] + metrics["ff"] + mix_both
        return {f"{stage}/{k}": v for k, v in metrics.items()}

    def configure_gradient_clipping(self, optimizer, gradient_clip_val=None, gradient_clip_algorithm=None) -> None:
        """Clip the head's gradient norm to ``grad_clip`` (a Trainer-level value, if set, wins)."""
        clip = gradient_clip_val if gradient_clip_val is not None else self.grad_clip
        if clip:
            self.clip_gradients(optimizer, gradient_clip_val=clip, gradient_clip_algorithm="norm")

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
        logits = self._logits(wav, batch)
        output = self.classifier.output
        loss, acc = classification_loss(logits, labels, output), classification_accuracy(logits, labels, output)
        self.log_dict(
            {f"{stage}/loss": loss, f"{stage}/acc": acc},
            prog_bar=True,
            on_epoch=True,
            on_step=False,
            batch_size=wav.shape[0],
            sync_dist=stage != "train",
        )
        return loss

    def _logits(self, wav: torch.Tensor, batch: dict) -> torch.Tensor:
        """Logits ``(B, C)`` of the (augmented) ``wav`` of ``batch``; a model with more inputs reads them here."""
        return self.classifier(wav)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return self.optimizer_factory(self.classifier.parameters())

    def export(self, path: str | os.PathLike, **metadata) -> None:
        save_classifier(self.classifier, path, **metadata)
