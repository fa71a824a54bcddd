"""Output types: softmax vs sigmoid probabilities, classifier loss and accuracy, by hand."""

import math

import pytest
import torch
from conftest import tiny_classifier

from lmac.outputs import classification_accuracy, classification_loss, probabilities, target_probability

LOGITS = torch.tensor([[2.0, -1.0, 0.0]])


def test_softmax_and_sigmoid_probabilities_by_hand():
    z = math.exp(2) + math.exp(-1) + 1
    assert torch.allclose(probabilities(LOGITS, "softmax"), torch.tensor([[math.exp(2) / z, math.exp(-1) / z, 1 / z]]))
    assert torch.allclose(
        probabilities(LOGITS, "sigmoid"), torch.tensor([[1 / (1 + math.exp(-2)), 1 / (1 + math.e), 0.5]])
    )
    assert math.isclose(target_probability(LOGITS, torch.tensor([2]), "sigmoid").item(), 0.5)
    with pytest.raises(ValueError, match="softmax"):
        probabilities(LOGITS, "relu")


def test_classifier_declares_its_output_and_stores_it():
    clf = tiny_classifier()
    assert clf.output == "softmax" and torch.allclose(
        clf.probabilities(LOGITS[:, :2].repeat(1, 2)).sum(), torch.ones(())
    )
    multi = type(clf)(**{**clf.config(), "output": "sigmoid"})
    assert multi.config()["output"] == "sigmoid"
    assert torch.allclose(multi.probabilities(torch.zeros(1, 4)), torch.full((1, 4), 0.5))
    with pytest.raises(ValueError, match="output must be one of"):
        type(clf)(**{**clf.config(), "output": "softmx"})


def test_classification_loss_and_accuracy_by_hand():
    labels = torch.tensor([[1.0, 0.0, 1.0]])
    # BCE: -(log s(2) + log(1 - s(-1)) + log s(0)) / 3 = (softplus(-2) + softplus(-1) + log 2) / 3
    bce = (math.log1p(math.exp(-2)) + math.log1p(math.exp(-1)) + math.log(2)) / 3
    assert math.isclose(classification_loss(LOGITS, labels, "sigmoid").item(), bce, rel_tol=1e-6)
    z = math.exp(2) + math.exp(-1) + 1
    assert math.isclose(
        classification_loss(LOGITS, torch.tensor([0]), "softmax").item(), -math.log(math.exp(2) / z), rel_tol=1e-6
    )
    # sigmoid 0.5 counts as present (>= threshold): the set {0, 2} is exactly right
    assert classification_accuracy(LOGITS, labels, "sigmoid").item() == 1
    assert classification_accuracy(LOGITS, torch.tensor([[1.0, 0.0, 0.0]]), "sigmoid").item() == 0
    assert classification_accuracy(LOGITS, torch.tensor([0]), "softmax").item() == 1
