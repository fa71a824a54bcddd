"""A second training stage starts from a trained explainer's head, only for the same classifier and head."""

import pytest
import torch
from conftest import tiny_classifier, tiny_head

from lmac.checkpoint import CheckpointError
from lmac.explainers import LMAC
from lmac.explainers.lmac import init_head_from
from lmac.heads import SpectrogramMaskHead
from lmac.losses import LMACLoss
from lmac.training import ExplainerModule


@pytest.fixture
def exported(tmp_path):
    clf = tiny_classifier()
    head = tiny_head(clf)
    with torch.no_grad():
        for p in head.parameters():
            p.add_(torch.randn_like(p))  # a "trained" head: weights no fresh head has
    path = tmp_path / "stage1.pt"
    LMAC(clf, head).export(path)
    return path, head


def test_the_head_starts_from_the_trained_one(exported):
    path, trained = exported
    clf = tiny_classifier()
    module = ExplainerModule(clf, tiny_head(clf), LMACLoss(), torch.optim.Adam, init_from=str(path))
    for key, value in trained.state_dict().items():
        assert torch.equal(module.head.state_dict()[key], value), key


def test_a_head_for_another_classifier_is_refused(exported):
    path, _ = exported
    other = tiny_classifier()
    with torch.no_grad():
        next(other.parameters()).add_(0.1)  # same classes and shapes, other weights
    head = tiny_head(other)
    fresh = {k: v.clone() for k, v in head.state_dict().items()}
    with pytest.raises(CheckpointError, match="another classifier"):
        init_head_from(head, other, path)
    assert all(torch.equal(v, head.state_dict()[k]) for k, v in fresh.items())  # left untouched
    with pytest.raises(CheckpointError, match="another classifier"):
        ExplainerModule(other, tiny_head(other), LMACLoss(), torch.optim.Adam, init_from=str(path))


def test_a_head_of_other_settings_is_refused(exported):
    path, _ = exported
    clf = tiny_classifier()
    wider = SpectrogramMaskHead(clf.feature_shapes(), clf.n_classes, tap_channels=8, hidden=32)
    with pytest.raises(CheckpointError, match="other settings.*hidden=16"):
        init_head_from(wider, clf, path)


def test_a_shipped_name_is_accepted_and_a_missing_file_named():
    from lmac.classifiers import load_classifier

    clf = load_classifier("demo_classifier")
    # experiment=demo_lmac's head
    head = SpectrogramMaskHead(clf.feature_shapes(), clf.n_classes, n_taps=3, decoder="bands", hidden=64, n_blocks=2)
    init_head_from(head, clf, "demo_lmac")
    shipped = LMAC.from_pretrained("demo_lmac").head.state_dict()
    assert all(torch.equal(v, head.state_dict()[k]) for k, v in shipped.items())
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        init_head_from(head, clf, "no_such_explainer.pt")
