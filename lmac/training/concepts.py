"""Concept classifiers: training one (a concept loss and a target loss), and training an L-MAC head
that explains its concepts (the regression form of the masked-in / masked-out loss)."""

from __future__ import annotations

import torch

from lmac.classifiers.concepts import ConceptClassifier, ConceptOutputs
from lmac.heads.base import MaskHead
from lmac.losses import RegressionMaskLoss
from lmac.metrics.concepts import concept_r2
from lmac.metrics.sensitivity import map_correlation, unsaturated_share
from lmac.outputs import classification_loss
from lmac.training.modules import ClassifierModule, ExplainerModule, OptimizerFactory

__all__ = ["ConceptModule", "ConceptExplainerModule"]


class ConceptModule(ClassifierModule):
    """Trains a :class:`~lmac.classifiers.concepts.ConceptClassifier` on clips whose concepts are known
    (a :class:`~lmac.training.ClassifierModule` with a concept term; exported the same way).

    An *independent* bottleneck (Koh et al., ICML 2020): the network up to the concepts learns only
    from ``concept_loss = MSE(concepts, batch["concepts"])``; the concept layer (concepts -> outputs)
    learns only from the target loss on the *true* concepts, ``target_loss`` (the classifier's own:
    mean squared error for regression outputs, cross-entropy for classes,
    :func:`~lmac.outputs.classification_loss`). Trained jointly instead, the output layer used the
    concept units as free features (a learned weight of -0.04 where the task's is 0.9, with that
    concept's R^2 at 0.79), so the level-2 effects no longer meant what the concept names say.
    ``loss = w_concept * concept_loss + w_target * target_loss``. Logged per stage: ``loss``,
    ``concept_loss``, ``target_loss``, ``concept_r2`` (mean over concepts of the batch R^2) and, for
    regression outputs, ``target_mae`` of the model as it predicts (outputs from predicted concepts).

    Args:
        classifier: the model to train (unfrozen here).
        optimizer: factory taking the parameters.
        w_concept, w_target: weights of the two terms.
        gain_db: random per-clip gain range for augmentation, in dB (0 disables).
    """

    def __init__(
        self,
        classifier: ConceptClassifier,
        optimizer: OptimizerFactory,
        w_concept: float = 1.0,
        w_target: float = 1.0,
        gain_db: float = 6.0,
    ):
        if not isinstance(classifier, ConceptClassifier):
            raise ValueError(
                f"a concept experiment needs a classifier with a concept layer (ConceptClassifier), "
                f"got {type(classifier).__name__}; use classifier=concept_cnn"
            )
        super().__init__(classifier, optimizer, gain_db)
        self.w_concept, self.w_target = float(w_concept), float(w_target)

    def _step(self, batch: dict, stage: str) -> torch.Tensor:
        wav, labels, true = batch["wav"], batch["label"], batch["concepts"]
        if stage == "train" and self.gain_db > 0:
            gain_db = (torch.rand(wav.shape[0], 1, device=wav.device) * 2 - 1) * self.gain_db
            wav = wav * 10 ** (gain_db / 20)
        concepts, layer = self.classifier.concepts(wav), self.classifier.concept_layer
        concept_loss = torch.nn.functional.mse_loss(concepts, true.to(concepts.dtype))
        target_loss = classification_loss(layer(true.to(concepts.dtype)), labels, self.classifier.output)
        outputs = layer(concepts.detach())
        loss = self.w_concept * concept_loss + self.w_target * target_loss
        log = {
            "loss": loss,
            "concept_loss": concept_loss,
            "target_loss": target_loss,
            "concept_r2": concept_r2(concepts.detach(), true).mean(),
        }
        if self.classifier.output == "regression":
            log["target_mae"] = (outputs.detach() - labels).abs().mean()
        self.log_dict(
            {f"{stage}/{k}": v for k, v in log.items()},
            prog_bar=stage != "train",
            on_epoch=True,
            on_step=False,
            batch_size=wav.shape[0],
            sync_dist=stage != "train",
        )
        return loss


class ConceptExplainerModule(ExplainerModule):
    """Trains a head to explain the concepts of a frozen concept classifier: the head's targets are
    the concepts of :class:`~lmac.classifiers.concepts.ConceptOutputs`, the loss is
    :class:`~lmac.losses.RegressionMaskLoss` (the explanation keeps the concept's value, the residual
    brings it back to its value on silence). Exported like any head (:meth:`explainer`).

    Each clip is explained for one concept, the concepts taking turns along the batch from a random
    offset (from 0 in validation and test, so those are reproducible). Validation also logs
    ``mask_mean``, ``unsaturated`` and ``target_corr`` (correlation of the masks for the clip's concept
    and the next one, as :class:`~lmac.training.ExplainerModule`).

    Args:
        classifier: the concept view of the frozen classifier.
        head: the head to train (``n_classes`` = the number of concepts).
        loss: the regression masked-in / masked-out loss.
        optimizer: factory taking the head's parameters.
        grad_clip: maximum gradient norm of the head.
    """

    def __init__(
        self,
        classifier: ConceptOutputs,
        head: MaskHead,
        loss: RegressionMaskLoss,
        optimizer: OptimizerFactory,
        grad_clip: float | None = 1.0,
    ):
        if not isinstance(classifier, ConceptOutputs):
            raise ValueError(
                f"a concept head explains the concepts of a ConceptOutputs view, got {type(classifier).__name__}; "
                "use classifier=concepts_view"
            )
        super().__init__(classifier, head, loss, optimizer, mixtures=None, grad_clip=grad_clip)

    def _step(self, batch: dict, stage: str) -> torch.Tensor:
        wav, k = batch["wav"], self.classifier.n_classes
        offset = int(torch.randint(k, ())) if stage == "train" else 0
        target = (torch.arange(len(wav), device=wav.device) + offset) % k
        with torch.no_grad():
            values, features = self.classifier.logits_and_features(wav)
            reference = self.classifier(torch.zeros_like(wav[:1]))[0]  # (K,): each concept on silence
        out = self.head(wav, features, target)
        values_in, values_out = self.classifier(torch.cat([out.explanation_wav, out.residual_wav])).chunk(2)
        terms = self.loss(values_in, values_out, values, reference, target, out.sparsity, wav, out.explanation_wav)
        log = {f"{stage}/{name}": v for name, v in terms.items()}
        if stage != "train":
            with torch.no_grad():
                swapped = self.head(wav, features, (target + 1) % k).mask
            log[f"{stage}/mask_mean"] = out.mask.mean()
            log[f"{stage}/unsaturated"] = unsaturated_share(out.mask).mean()
            log[f"{stage}/target_corr"] = map_correlation(out.mask, swapped).mean()
        self.log_dict(
            log,
            prog_bar=stage != "train",
            on_epoch=True,
            on_step=False,
            batch_size=len(wav),
            sync_dist=stage != "train",
        )
        return terms["loss"]
