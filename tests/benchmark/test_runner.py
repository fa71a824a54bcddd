import math

import pytest
import torch
from conftest import tiny_classifier, tiny_head

from lmac.benchmark import Benchmark, score_explanation
from lmac.data import SyntheticMixtures, TwoSources
from lmac.data.contamination import Clean, WhiteNoise
from lmac.explainers import LMAC, Explainer, SpectrumControl
from lmac.explanation import Explanation
from lmac.metrics import target_prob
from lmac.spectral import STFTConfig


class Identity(Explainer):
    """The trivial explainer: explanation = input, residual = silence, saliency = ones."""

    name = "identity"
    grid = STFTConfig()

    def __init__(self, classifier):
        self.classifier = classifier
        self.bound = []

    def bind_stems(self, stems):
        self.bound.append(None if stems is None else sorted(stems))

    def explain(self, wav, target=None):
        wav, target = self.prepare(wav, target)
        saliency = torch.ones(wav.shape[0], 257, wav.shape[1] // 128 + 1)
        return Explanation(
            wav, wav.clone(), torch.zeros_like(wav), saliency, target, self.name, self.sample_rate, self.grid
        )


def _data(n=3):
    return SyntheticMixtures("instruments", "test", n_items=n, seed=0, clip_seconds=0.5)


def test_trivial_explainer_meets_the_invariants():
    clf = tiny_classifier()
    data = _data()
    identity = Identity(clf)
    records = Benchmark(curve_steps=2, sanity_clips=2, progress=False).run(
        clf, {"identity": identity}, {"in_domain": Clean(data), "white_noise": WhiteNoise(data)}
    )
    assert [(r["method"], r["setting"], r["n"]) for r in records] == [
        ("identity", "in_domain", 3),
        ("identity", "white_noise", 3),
    ]
    rec = records[0]
    assert rec["ai"] == rec["ad"] == rec["ag"] == rec["ad_sb"] == 0 and rec["fid_in"] == 1
    wav = torch.stack([data[i]["wav"] for i in range(3)])
    logits = clf(wav)
    target = logits.argmax(-1)
    silence = clf(torch.zeros_like(wav))
    expected_ff = (
        (target_prob(logits, target, output=clf.output) - target_prob(silence, target, output=clf.output)).mean().item()
    )
    assert rec["ff"] == pytest.approx(expected_ff, abs=1e-5)
    assert rec["sps"] == pytest.approx(0, abs=1e-6) and rec["comp"] == pytest.approx(math.log(257 * 63), rel=1e-5)
    assert rec["unsaturated"] == 0  # a mask of ones is fully saturated
    assert rec["clf_acc"] == pytest.approx(
        (target == torch.tensor([d["label"] for d in (data[0], data[1], data[2])])).float().mean().item()
    )
    assert 0 <= rec["evidence_share"] <= 1 and math.isfinite(rec["si_sdr"])
    assert rec["seconds_median"] > 0 and rec["ratio_to_classifier"] > 0
    # A map that ignores the model does not change when it is randomised: the check fails.
    assert rec["rand_corr"] == 1 and rec["sanity_pass_rate"] == 0 and rec["rand_layers"][0] == "fc"
    assert "rand_corr" not in records[1]  # the check runs on the first setting only
    assert identity.bound[0] == sorted(data.stem_names) and identity.bound[-1] is None


def test_score_explanation_adds_localisation_and_confound_from_stems():
    clf = tiny_classifier()
    item = _data(1)[0]
    wav = item["wav"][None]
    stems = {k: v[None] for k, v in item["stems"].items()}
    target = torch.tensor([item["label"]])
    lead = clf.class_names[item["label"]]
    saliency = torch.rand(1, 257, 63)
    exp = Explanation(wav, stems[lead].clone(), wav - stems[lead], saliency, target, "oracle", 16000, STFTConfig())
    scores = score_explanation(clf, exp, stems, curve_steps=2, confound="drums")
    assert set(scores) >= {
        "ai",
        "ad",
        "ad_sb",
        "ag",
        "ff",
        "fid_in",
        "sps",
        "comp",
        "del_auc",
        "ins_auc",
        "evidence_share",
        "si_sdr",
        "confound",
    }
    assert all(v.shape == (1,) for v in scores.values())
    assert scores["si_sdr"].item() > 60  # the explanation is the evidence stem itself
    assert scores["evidence_share"].item() > 0.5
    drums_play = bool(stems["drums"].abs().sum() > 0)
    assert scores["confound"].item() == 0 if drums_play else torch.isnan(scores["confound"]).all()
    assert set(score_explanation(clf, exp, None, curve_steps=2)).isdisjoint({"evidence_share", "si_sdr"})
    # Explaining a class whose instrument does not play: localisation is undefined (NaN), not -inf dB.
    silent = next(c for c, name in enumerate(clf.class_names) if stems[name].abs().sum() == 0)
    exp.target = torch.tensor([silent])
    scores = score_explanation(clf, exp, stems, curve_steps=2)
    assert torch.isnan(scores["si_sdr"]).all() and torch.isnan(scores["evidence_share"]).all()


class DrumsOracle(Identity):
    """Explains with the bound drums stem: the explanation a confounded classifier would deserve."""

    def bind_stems(self, stems):
        self.stems = stems

    def explain(self, wav, target=None):
        exp = super().explain(wav, target)
        exp.explanation_wav = self.stems["drums"].clone()
        exp.residual_wav = exp.wav - exp.explanation_wav
        return exp


def test_confound_rate_on_test_bad_uses_the_bound_stems():
    clf = tiny_classifier(["guitar", "piano"])
    data = SyntheticMixtures("confound", "test_bad", n_items=2, seed=0, clip_seconds=0.5)  # guitar (no drums), piano
    records = Benchmark(curve_steps=2, sanity_clips=0, confound="drums", progress=False).run(
        clf, {"oracle": DrumsOracle(clf)}, {"test_bad": Clean(data)}
    )
    # only the clip that holds drums counts (the guitar clip has none: NaN, left out)
    assert records[0]["confound"] == 1.0 and records[0]["confound_n"] == 1 and "rand_corr" not in records[0]


def test_lmac_runs_and_bad_arguments_are_refused():
    clf = tiny_classifier()
    records = Benchmark(n_clips=2, curve_steps=2, sanity_clips=1, progress=False).run(
        clf, {"lmac": LMAC(clf, tiny_head(clf))}, {"in_domain": Clean(_data())}
    )
    assert records[0]["n"] == 2 and 0 <= records[0]["fid_in"] <= 1 and len(records[0]["rand_corr_by_layer"]) == 5
    with pytest.raises(ValueError, match="no methods"):
        Benchmark(progress=False).run(clf, {}, {"a": _data()})
    with pytest.raises(ValueError, match="sanity_setting"):
        Benchmark(sanity_setting="nope", progress=False).run(clf, {"i": Identity(clf)}, {"a": _data()})
    with pytest.raises(ValueError, match="n_clips"):
        Benchmark(n_clips=0)


def test_records_hold_the_mean_curves_and_examples_are_the_same_clips_for_every_method():
    clf = tiny_classifier()
    data = _data(4)
    seen = []
    records = Benchmark(curve_steps=2, sanity_clips=0, examples_per_class=1, progress=False).run(
        clf,
        {"a": Identity(clf), "b": Identity(clf)},
        {"in_domain": Clean(data)},
        on_example=lambda *args: seen.append(args),
    )
    wav = torch.stack([data[i]["wav"] for i in range(4)])
    target = clf(wav).argmax(-1)
    p_input = target_prob(clf(wav), target, output=clf.output).mean()
    p_silence = target_prob(clf(torch.zeros_like(wav)), target, output=clf.output).mean()
    rec = records[0]
    assert len(rec["deletion_curve"]) == len(rec["insertion_curve"]) == 3
    assert rec["deletion_curve"][0] == pytest.approx(p_input.item(), abs=1e-4)  # nothing removed yet
    assert rec["deletion_curve"][-1] == pytest.approx(p_silence.item(), abs=1e-4)  # everything removed
    assert rec["insertion_curve"][-1] == pytest.approx(p_input.item(), abs=1e-4)
    assert rec["del_auc"] == pytest.approx(
        float(torch.trapezoid(torch.tensor(rec["deletion_curve"]), dx=0.5)), abs=1e-5
    )
    first_of_class = sorted({int(t): k for k, t in reversed(list(enumerate(target.tolist())))}.values())
    for method in ("a", "b"):
        calls = [c for c in seen if c[1] == method]
        assert [c[2] for c in calls] == first_of_class  # the first clip of each predicted class
        assert all(c[0] == "in_domain" and len(c[3]) == 1 and c[4] == data[c[2]]["label"] for c in calls)


class AskedSourceOracle(Identity):
    """Explains a two-source mixture with the asked-for source (the runner asks the first class, then the second)."""

    def bind_stems(self, stems):
        self.stems = stems

    def explain(self, wav, target=None):
        exp = super().explain(wav, target)
        exp.explanation_wav = torch.stack([self.stems["first"][0], self.stems["second"][1]])
        exp.residual_wav = exp.wav - exp.explanation_wav
        exp.saliency = torch.rand_like(exp.saliency)
        return exp


def test_two_source_mixtures_are_explained_for_each_class_and_a_classifier_free_mask_fails():
    clf = tiny_classifier()
    records = Benchmark(curve_steps=2, sanity_clips=0, progress=False).run(
        clf,
        {"oracle": AskedSourceOracle(clf), "input": Identity(clf), "control": SpectrumControl(clf)},
        {"two_sources": TwoSources(_data(4))},
    )
    oracle, reference, control = records
    assert oracle["n"] == 4 and oracle["both_kept"] == 1 and oracle["asked_share"] > 0.9  # sources not orthogonal
    assert abs(oracle["ab_corr"]) < 0.2
    assert reference["both_kept"] == 0 and reference["ab_corr"] == 1
    assert reference["asked_share"] == pytest.approx(0.5, abs=0.1)  # equal energy: each source half of the input
    # The control never looks at the class asked for: one map for both classes, never both sources kept.
    assert control["both_kept"] == 0 and control["ab_corr"] == pytest.approx(1)
    assert reference["fid_in"] <= 0.5  # one prediction, two classes asked for
