"""A classifier's output type: how its logits become per-class probabilities.

* ``"softmax"``: one class per clip, the classes compete (``softmax`` over the logits).
* ``"sigmoid"``: independent classes, several may be present at once (multi-label taggers such
  as AudioSet models: PANNs, YAMNet, AST, BEATs); each logit goes through its own sigmoid.
* ``"regression"``: each output is a value (e.g. arousal and valence of a music emotion model,
  or the concepts of a concept layer); its "probability" is the value itself, so LIME regresses
  on it and ``lmac explain`` reports it unchanged.

Every place that turns logits into probabilities (the loss, the metrics, LIME's regression
target, the probabilities ``lmac explain`` reports) reads the classifier's
:attr:`~lmac.classifiers.AudioClassifier.output` and calls these functions.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = [
    "OUTPUT_TYPES",
    "check_output",
    "require_output",
    "probabilities",
    "target_probability",
    "classification_loss",
    "classification_accuracy",
]

OUTPUT_TYPES = ("softmax", "sigmoid", "regression")


def check_output(output: str) -> str:
    """Return ``output`` if it is one of :data:`OUTPUT_TYPES`, else raise a one-line ``ValueError``."""
    if output not in OUTPUT_TYPES:
        raise ValueError(f"classifier output must be one of {list(OUTPUT_TYPES)}, got {output!r}")
    return output


def require_output(actual: str, expected: str | None, what: str) -> None:
    """Refuse a ready-made classifier (loaded, imported) whose output type is not the one a
    configuration asks for (e.g. a multi-label experiment, ``classifier.output=sigmoid``), in one
    line naming ``what``; ``expected=None`` accepts either."""
    if expected is not None and check_output(expected) != actual:
        raise ValueError(
            f"{what} has {actual} outputs, but this configuration needs a classifier with "
            f"{expected} outputs (classifier.output={expected})"
        )


def probabilities(logits: torch.Tensor, output: str) -> torch.Tensor:
    """Per-class probabilities ``(B, C)`` from logits ``(B, C)``: softmax, element-wise sigmoid, or the
    values unchanged (regression)."""
    output = check_output(output)
    if output == "regression":
        return logits
    return logits.softmax(dim=-1) if output == "softmax" else torch.sigmoid(logits)


def target_probability(logits: torch.Tensor, target: torch.Tensor, output: str) -> torch.Tensor:
    """Probability of ``target`` per example: ``(B, C), (B,)`` -> ``(B,)``."""
    return probabilities(logits, output).gather(1, target.long()[:, None]).squeeze(1)


def classification_loss(logits: torch.Tensor, labels: torch.Tensor, output: str) -> torch.Tensor:
    """Training loss of a classifier: cross-entropy on class indices ``labels (B,)`` (softmax),
    binary cross-entropy on multi-hot ``labels (B, C)`` (sigmoid), or mean squared error on target
    values ``labels (B, C)`` (regression); a scalar."""
    output = check_output(output)
    if output == "regression":
        return F.mse_loss(logits, labels.to(logits.dtype))
    if output == "softmax":
        return F.cross_entropy(logits, labels.long())
    return F.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype))


def classification_accuracy(
    logits: torch.Tensor, labels: torch.Tensor, output: str, threshold: float = 0.5
) -> torch.Tensor:
    """Share of clips classified right, a scalar: top-1 against ``labels (B,)`` (softmax), or the set of
    classes with probability >= ``threshold`` equal to the multi-hot ``labels (B, C)`` (sigmoid).
    Regression outputs have no accuracy (a one-line ``ValueError``)."""
    if check_output(output) == "regression":
        raise ValueError("regression outputs have no accuracy; score them with an error (e.g. mean absolute error)")
    if output == "softmax":
        return (logits.argmax(dim=-1) == labels.long()).float().mean()
    predicted = torch.sigmoid(logits) >= threshold
    return (predicted == (labels > 0.5)).all(dim=-1).float().mean()
