"""The concept-bottleneck contract: outputs are a linear map of named concepts; stored and rebuilt."""

import pytest
import torch
from concept_models import tiny_concept_cnn

from lmac.classifiers import ConceptCNN, load_classifier, save_classifier
from lmac.losses import LMACLoss
from lmac.outputs import classification_accuracy, classification_loss, probabilities


def test_outputs_are_a_linear_map_of_the_concepts():
    clf = tiny_concept_cnn(seconds=0.5)
    wav = torch.randn(3, 8000) * 0.1
    concepts = clf.concepts(wav)
    assert concepts.shape == (3, 4) and clf.concept_weights.shape == (2, 4) and clf.concept_bias.shape == (2,)
    assert torch.allclose(clf(wav), concepts @ clf.concept_weights.T + clf.concept_bias, atol=1e-6)
    logits, features = clf.logits_and_features(wav)
    assert torch.allclose(logits, clf(wav), atol=1e-6) and len(features) == 2
    assert clf.output == "regression" and torch.equal(clf.probabilities(logits), logits)


def test_stored_and_rebuilt(tmp_path):
    clf = tiny_concept_cnn(seconds=0.5)
    save_classifier(clf, tmp_path / "c.pt")
    loaded = load_classifier(tmp_path / "c.pt")
    wav = torch.randn(2, 8000) * 0.1
    assert isinstance(loaded, ConceptCNN) and loaded.concept_names == clf.concept_names
    assert torch.allclose(loaded.concepts(wav), clf.concepts(wav))
    with pytest.raises(ValueError, match="at least one concept"):
        ConceptCNN(["a"], [])


def test_regression_outputs_by_hand():
    values, labels = torch.tensor([[1.0, -2.0]]), torch.tensor([[0.0, 0.0]])
    assert torch.equal(probabilities(values, "regression"), values)
    assert classification_loss(values, labels, "regression").item() == pytest.approx(2.5)
    with pytest.raises(ValueError, match="no accuracy"):
        classification_accuracy(values, labels, "regression")
    with pytest.raises(ValueError, match="regression form"):
        LMACLoss(output="regression")
