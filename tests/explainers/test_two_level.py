"""Two-level explanations: concept effects by hand, level 1 finds the source of each concept, and the
result depends on the classifier and on the output asked."""

from functools import partial

import pytest
import torch
from concept_models import BandConcepts, tiny_concept_cnn, two_tones
from conftest import SR

from lmac.checkpoint import CheckpointError, fingerprint
from lmac.classifiers import ConceptOutputs
from lmac.data.concepts import ConceptMusic
from lmac.explainers import LMAC, OracleStems, SourceLIME
from lmac.explainers.concepts import TwoLevelExplainer, concept_effects, concept_head, relative_effects
from lmac.explainers.loading import load_explainer
from lmac.heads import SpectrogramMaskHead


def _explainer(classifier, top_concepts=2):
    lime = partial(SourceLIME, factorization=OracleStems(), n_samples="exhaustive", top_k=1, progress=False)
    explainer = TwoLevelExplainer(classifier, [lime], top_concepts=top_concepts)
    wav, stems = two_tones()
    explainer.bind_stems(stems)
    return explainer, wav, stems


def test_effects_and_relative_effects_by_hand():
    concepts = torch.tensor([[2.0, -1.0, 0.5]])
    weights = torch.tensor([[1.0, 1.0, 1.0], [0.5, 2.0, -4.0]])
    effects = concept_effects(concepts, weights, torch.tensor([1]))
    assert torch.equal(effects, torch.tensor([[1.0, -2.0, -2.0]]))
    assert torch.allclose(relative_effects(effects), torch.tensor([[0.2, -0.4, -0.4]]))


def test_level2_sums_to_the_output_and_level1_finds_each_concepts_source():
    clf = BandConcepts()
    explainer, wav, _ = _explainer(clf)
    levels = explainer.explain_levels(wav, target="calm")
    assert torch.allclose(levels.output, clf(wav)[:, 0], atol=1e-5)
    assert torch.allclose(levels.effects.sum(-1) + levels.bias, levels.output, atol=1e-5)
    record = levels.record(0)
    assert [row["concept"] for row in record["level2"]] == ["low", "high"]  # calm = 1.0 low + 0.2 high
    assert {e["concept"]: e["extras"]["selected"] for e in record["level1"]["lime"]} == {
        "low": ["bass"],
        "high": ["whistle"],
    }


def test_the_output_asked_and_the_classifier_decide_the_explanation():
    explainer, wav, stems = _explainer(BandConcepts(), top_concepts=1)
    calm, tense = explainer.explain(wav, target="calm"), explainer.explain(wav, target="tense")
    assert calm.extras["levels"][0]["level2"][0]["concept"] == "low"
    assert tense.extras["levels"][0]["level2"][0]["concept"] == "high"  # tense = -0.3 low + 1.0 high
    assert torch.allclose(calm.explanation_wav, stems["bass"]) and torch.allclose(
        tense.explanation_wav, stems["whistle"]
    )
    assert calm.target.tolist() == [0] and tense.target.tolist() == [1] and calm.method == "two-level"
    swapped, _, _ = _explainer(BandConcepts(weights=((0.2, 1.0), (1.0, -0.3))), top_concepts=1)
    assert torch.allclose(swapped.explain(wav, target="calm").explanation_wav, stems["whistle"])


def test_concept_view_and_errors(classifier):
    clf = BandConcepts()
    view = ConceptOutputs(clf)
    wav, _ = two_tones()
    assert view.output == "regression" and view.class_names == ["low", "high"]
    assert torch.equal(view(wav), clf.concepts(wav)) and torch.equal(view.probabilities(view(wav)), view(wav))
    with pytest.raises(ValueError, match="no concept layer"):
        ConceptOutputs(classifier)
    with pytest.raises(ValueError, match="top_concepts must be in 1..2"):
        TwoLevelExplainer(clf, [partial(SourceLIME, factorization=OracleStems())], top_concepts=3)
    with pytest.raises(ValueError, match="at least one level-1"):
        TwoLevelExplainer(clf, [])
    assert clf.concept_index("high") == 1
    with pytest.raises(ValueError, match="unknown concept"):
        clf.concept_index("loud")


def test_a_head_on_the_concepts_is_exported_and_loaded_as_level_one_next_to_lime(tmp_path):
    clf = tiny_concept_cnn(seconds=0.5)
    view = ConceptOutputs(clf)
    head = SpectrogramMaskHead(view.feature_shapes(), view.n_classes, SR, n_bands=8, hidden=8, tap_channels=4)
    LMAC(view, head).export(tmp_path / "head.pt")
    explainer = load_explainer(tmp_path / "head.pt")
    assert isinstance(explainer, TwoLevelExplainer) and [e.name for e in explainer.level1] == ["lmac", "lime"]
    assert fingerprint(explainer.classifier) == fingerprint(clf)
    wav = ConceptMusic("demo", 1, clip_seconds=0.5)[0]["wav"][None]
    levels = explainer.explain_levels(wav, target="valence")
    direct = LMAC(view, head).explain(wav, target=levels.top[:, 1])
    assert torch.allclose(levels.level1["lmac"][1].explanation_wav, direct.explanation_wav)
    assert levels.level1["lmac"][1].target.tolist() == levels.top[:, 1].tolist()
    entry = levels.record(0)["level1"]["lmac"][0]
    assert 0 < entry["energy_share"] < 1 and entry["concept"] == clf.concept_names[int(levels.top[0, 0])]
    with torch.no_grad():
        clf.fc.bias += 1.0  # another classifier: the head is refused
    with pytest.raises(CheckpointError, match="fingerprint"):
        load_explainer(tmp_path / "head.pt", classifier=clf)
    with pytest.raises(CheckpointError, match="fingerprint"):
        TwoLevelExplainer(clf, [concept_head(tmp_path / "head.pt")])
