"""The concept module fits concepts and targets together, and refuses a model without a concept layer; the
concept head module trains a head that plays each concept's own source."""

import functools

import pytest
import torch
from concept_models import BandConcepts, tiny_concept_cnn, two_tones
from conftest import SR, tiny_classifier
from torch.utils.data import DataLoader

from lmac.classifiers import ConceptOutputs
from lmac.data.concepts import ConceptMusic
from lmac.heads import SpectrogramMaskHead
from lmac.losses import RegressionMaskLoss
from lmac.metrics.localization import stem_energy_share
from lmac.training import ConceptExplainerModule, ConceptModule


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


def _tone_batch(n: int, generator: torch.Generator) -> dict:
    """``n`` clips of a 200 Hz (``bass``) and a 3 kHz (``whistle``) tone at random levels, with stems."""
    bass, whistle = two_tones()[1].values()
    levels = 0.5 + torch.rand(2, n, 1, generator=generator)
    stems = {"bass": levels[0] * bass, "whistle": levels[1] * whistle}
    return {"wav": stems["bass"] + stems["whistle"], "stems": stems}


def test_concept_head_learns_to_play_each_concepts_source():
    """A head trained with the regression masked-in / masked-out loss on the band-energy concepts keeps
    the bass for ``low`` and the whistle for ``high``: the masks follow the concept asked for."""
    torch.manual_seed(0)
    view = ConceptOutputs(BandConcepts())
    head = SpectrogramMaskHead(view.feature_shapes(), view.n_classes, SR, n_bands=32, hidden=32, tap_channels=8)
    loss = RegressionMaskLoss(w_l1=0.1, w_energy=2.0)
    module = ConceptExplainerModule(view, head, loss, functools.partial(torch.optim.Adam, lr=3e-3))
    module.log_dict = lambda *a, **k: None  # no trainer here
    opt, generator = module.configure_optimizers(), torch.Generator().manual_seed(0)
    for _ in range(150):
        opt.zero_grad()
        module._step(_tone_batch(8, generator), "train").backward()
        opt.step()
    batch = _tone_batch(4, generator)
    explainer = module.explainer()
    for concept, source in (("low", "bass"), ("high", "whistle")):
        exp = explainer.explain(batch["wav"], target=concept)
        share = stem_energy_share(exp.explanation_wav, batch["stems"])[source]
        assert share.min() > 0.8, (concept, share)
    module._step(batch, "val")  # validation metrics run


def test_concept_head_needs_the_concept_view_and_a_regression_loss():
    clf = BandConcepts()
    head = SpectrogramMaskHead(clf.feature_shapes(), 2, SR, n_bands=8, hidden=8, tap_channels=4)
    with pytest.raises(ValueError, match="ConceptOutputs view"):
        ConceptExplainerModule(clf, head, RegressionMaskLoss(), torch.optim.Adam)
