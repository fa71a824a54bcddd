"""Aggregating MusicLIME over songs: audio components and words in one feature space, per predicted class."""

import math

import pytest
import torch
from omegaconf import OmegaConf

from lmac.classifiers import load_classifier
from lmac.data import LyricSongs, SyntheticMixtures
from lmac.data.songs import carriers
from lmac.explainers import MultimodalLIME, OracleStems
from lmac.global_ import ComponentWeights, GlobalAggregation, validation
from lmac.resources import shipped_checkpoint
from lmac.tasks.config import CONFIG_DIR


def test_component_weights_put_words_after_the_audio_components():
    from lmac.explanation import Explanation
    from lmac.spectral import STFTConfig

    wav, grid = torch.zeros(2, 800), STFTConfig()
    extras = {
        "components": ["piano", "drums"],
        "weights": torch.tensor([[0.3, 0.0], [0.1, -0.2]]),
        "words": [{"love": 0.5, "the": 0.0}, {"war": -0.4}],
    }
    exp = Explanation(
        wav, wav, wav, torch.zeros(2, *grid.shape(800)), torch.zeros(2, dtype=torch.long), "m", 16000, grid, extras
    )
    feats = ComponentWeights()(exp, None)
    assert feats.names == ["piano", "drums", "love", "the", "war"]
    assert feats.weights[0, [0, 2, 3]].tolist() == pytest.approx([0.3, 0.5, 0.0]) and math.isnan(feats.weights[0, 4])
    assert (
        math.isnan(feats.weights[0, 1])
        and math.isnan(feats.weights[1, 2])
        and feats.weights[1, 4] == pytest.approx(-0.4)
    )


def test_musiclime_aggregation_recovers_what_carries_each_class():
    classifier = load_classifier(shipped_checkpoint("multimodal_classifier"))
    data = LyricSongs(SyntheticMixtures("songs", "test", n_items=8))
    lime = MultimodalLIME(classifier, OracleStems(), n_samples=200, top_k=1, progress=False)
    expected = {c: carriers(c) for c in classifier.class_names}
    result = GlobalAggregation(expected=expected, progress=False).run(classifier, {"musiclime": lime}, data)
    agg = result.methods["musiclime"]
    assert {"piano", "guitar", "bass"} <= set(agg.names) and set(agg.names) & set(carriers("rock"))
    assert (agg.predicted == agg.labels).float().mean() >= 0.75
    rows = [r for r in validation(result) if r["n_clips"]]
    assert len(rows) >= 3 and sum(r["recovered_lime"] for r in rows) / len(rows) >= 0.5


def test_the_multimodal_experiment_expects_the_task_definition():
    node = OmegaConf.load(CONFIG_DIR / "experiment" / "multimodal_aggregate.yaml")
    assert {c: list(v) for c, v in node.runner.expected.items()} == {c: carriers(c) for c in node.runner.expected}
