"""The concept module fits concepts and targets together, and refuses a model without a concept layer."""

import functools

import pytest
import torch
from concept_models import tiny_concept_cnn
from conftest import tiny_classifier
from torch.utils.data import DataLoader

from lmac.data.concepts import ConceptMusic
from lmac.training import ConceptModule


def test_a_few_steps_lower_both_losses():
    torch.manual_seed(0)
    clf = tiny_concept_cnn(seconds=0.5)
    module = ConceptModule(clf, functools.partial(torch.optim.Adam, lr=1e-2), gain_db=0)
    batch = next(iter(DataLoader(ConceptMusic("train", 4, clip_seconds=0.5), batch_size=4)))
    module.log_dict = lambda *a, **k: None  # no trainer here
    opt = module.configure_optimizers()
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = module._step(batch, "train")
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert all(p.requires_grad for p in clf.parameters())


def test_refuses_a_model_without_concepts():
    with pytest.raises(ValueError, match="concept layer"):
        ConceptModule(tiny_classifier(), torch.optim.Adam)


def test_independent_bottleneck_each_part_learns_from_its_own_term():
    clf = tiny_concept_cnn(seconds=0.5)
    batch = next(iter(DataLoader(ConceptMusic("train", 2, clip_seconds=0.5), batch_size=2)))
    for w_concept, w_target, trained, untouched in ((0.0, 1.0, "fc", "to_concepts"), (1.0, 0.0, "to_concepts", "fc")):
        module = ConceptModule(clf, torch.optim.Adam, w_concept=w_concept, w_target=w_target, gain_db=0)
        module.log_dict = lambda *a, **k: None
        clf.zero_grad(set_to_none=True)
        module._step(batch, "train").backward()
        assert getattr(clf, trained).weight.grad.abs().sum() > 0
        grad = getattr(clf, untouched).weight.grad  # the target term never reaches the trunk
        assert grad is None or torch.count_nonzero(grad) == 0
