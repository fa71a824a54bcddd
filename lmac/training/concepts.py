"""Training a concept-bottleneck classifier: a concept loss and a target loss, jointly."""

from __future__ import annotations

import torch

from lmac.classifiers.concepts import ConceptClassifier
from lmac.metrics.concepts import concept_r2
from lmac.outputs import classification_loss
from lmac.training.modules import ClassifierModule, OptimizerFactory

__all__ = ["ConceptModule"]


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
