"""The aggregation run: explanations of a dataset, per predicted class, montages, written outputs."""

import json

import pytest
import soundfile as sf
import torch
from conftest import tiny_classifier

from lmac.classifiers import load_classifier
from lmac.data import SyntheticMixtures
from lmac.explainers import OracleStems, SourceLIME
from lmac.explainers.base import Explainer
from lmac.explanation import Explanation
from lmac.global_ import BandMass, GlobalAggregation, StemShares, validation, write_global
from lmac.resources import shipped_checkpoint
from lmac.spectral import STFTConfig


class KeepHalf(Explainer):
    """A stand-in method: the explanation is the clip at half volume."""

    name = "half"

    def __init__(self, classifier):
        self.classifier, self.grid = classifier, STFTConfig()

    def explain(self, wav, target=None):
        wav, target = self.prepare(wav, target)
        saliency = torch.full((wav.shape[0], *self.grid.shape(wav.shape[-1])), 0.5)
        return Explanation(wav, 0.5 * wav, 0.5 * wav, saliency, target, self.name, self.sample_rate, self.grid)


def test_lime_over_stems_flags_the_drums_of_the_confounded_guitar_class():
    classifier = load_classifier(shipped_checkpoint("confound_classifier"))
    data = SyntheticMixtures("confound", "test_bad", n_items=8)
    lime = SourceLIME(classifier, OracleStems(), n_samples="exhaustive", top_k=1, progress=False)
    result = GlobalAggregation(n_clips=8, expected={"guitar": ["drums"]}, progress=False).run(
        classifier, {"lime_oracle": lime}, data
    )
    agg = result.methods["lime_oracle"]
    assert agg.kind == "component weight" and set(agg.names) == {"guitar", "piano", "bass", "drums"}
    assert agg.labels.tolist() == [0, 1] * 4 and agg.weights.shape == (8, 4)
    (row,) = validation(result)
    assert row["n_clips"] >= 4  # the piano + drums clips are called guitar
    assert row["recovered_lime"] == 1.0 and row["recovered_average"] == 1.0 and row["top_lime"] == ["drums"]


def test_montage_examples_are_each_class_most_confident_clips(tmp_path):
    classifier = tiny_classifier()
    data = SyntheticMixtures("instruments", "test", n_items=7, clip_seconds=0.5)
    result = GlobalAggregation(batch_size=3, montage_clips=2, progress=False).run(
        classifier, {"half": KeepHalf(classifier)}, data
    )
    agg = result.methods["half"]
    assert agg.kind == "stem share" and agg.names == data.stem_names and len(agg.predicted) == 7
    with torch.no_grad():
        probs = classifier.probabilities(classifier(torch.stack([data[i]["wav"] for i in range(7)])))
    assert agg.predicted.tolist() == probs.argmax(-1).tolist()
    for cls, kept in agg.examples.items():
        confident = sorted(probs[agg.predicted == cls, cls].tolist(), reverse=True)[:2]
        assert [c for c, _ in kept] == pytest.approx(confident)
    paths = write_global(result, tmp_path)
    saved = json.loads((tmp_path / "results.json").read_text())
    assert {r["feature"] for r in saved["scores"]} == set(data.stem_names) and saved["validation"] == []
    assert (tmp_path / "results.csv").exists() and "### half (stem share)" in (tmp_path / "results.md").read_text()
    cls = int(agg.predicted[0])
    montage, sr = sf.read(tmp_path / "montage" / "half" / f"{result.class_names[cls]}.wav")
    n = len(agg.examples[cls])
    assert sr == 16000 and len(montage) == n * 8000 + (n - 1) * 4000
    assert (tmp_path / "plots" / f"{result.class_names[cls]}.svg").read_text().startswith("<?xml")
    assert all(p.exists() for p in paths)


def test_band_mass_serves_data_without_stems():
    classifier = tiny_classifier()
    data = [{"wav": torch.randn(8000), "label": 0} for _ in range(3)]
    result = GlobalAggregation(features=[StemShares(), BandMass(n_bands=4)], progress=False).run(
        classifier, {"half": KeepHalf(classifier)}, data
    )
    assert result.methods["half"].kind == "band mass" and len(result.methods["half"].names) == 4
    with pytest.raises(ValueError, match="no feature extractor applies"):
        GlobalAggregation(features=[StemShares()], progress=False).run(classifier, {"half": KeepHalf(classifier)}, data)


def test_bad_settings_are_refused():
    classifier = tiny_classifier()
    with pytest.raises(ValueError, match="classes"):
        GlobalAggregation(expected={"drums": ["x"]}, progress=False).run(
            classifier, {"half": KeepHalf(classifier)}, [{"wav": torch.randn(8000)}]
        )
    with pytest.raises(ValueError, match="no methods"):
        GlobalAggregation(progress=False).run(classifier, {}, [{"wav": torch.randn(8000)}])
    with pytest.raises(ValueError, match="n_clips"):
        GlobalAggregation(n_clips=0)
