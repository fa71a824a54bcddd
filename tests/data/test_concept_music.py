"""The concept task: stems add up, targets follow the known linear map, each concept is audible in its
own source (measured on the stems), and the confound ties the drums' level to brightness."""

import numpy as np
import pytest
import torch

from lmac.data.concept_music import bass, melody
from lmac.data.concepts import CONCEPTS, EMOTION_WEIGHTS, NOISE, ConceptMusic, ConceptMusicDataModule

SR = 16000


def _spearman(a, b) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def test_items_add_up_and_targets_follow_the_concepts():
    data = ConceptMusic("train", 6, seed=3, clip_seconds=1.0)
    for i in range(6):
        item = data[i]
        assert torch.equal(item["wav"], torch.stack(list(item["stems"].values())).sum(0))
        assert item["wav"].shape == (SR,) and item["concepts"].shape == (len(CONCEPTS),)
        assert item["concepts"].abs().max() <= 1
        assert (item["label"] - EMOTION_WEIGHTS @ item["concepts"]).abs().max() < 5 * NOISE
    assert torch.equal(data[2]["wav"], ConceptMusic("train", 6, seed=3, clip_seconds=1.0)[2]["wav"])
    assert not torch.equal(data[2]["wav"], ConceptMusic("val", 6, seed=3, clip_seconds=1.0)[2]["wav"])
    with pytest.raises(ValueError, match="unknown split"):
        ConceptMusic("bogus")


def test_brightness_raises_the_bass_spectral_centroid():
    ps = np.linspace(0, 1, 8)
    centroids = []
    for p in ps:
        stem = bass(np.random.default_rng(0), SR, SR, p)
        mag = np.abs(np.fft.rfft(stem))
        centroids.append((mag * np.fft.rfftfreq(len(stem), 1 / SR)).sum() / mag.sum())
    assert _spearman(ps, centroids) == 1.0


def test_articulation_shortens_the_melody_notes():
    ps = np.linspace(0, 1, 6)
    silent = []
    for p in ps:
        stem = melody(np.random.default_rng(1), SR, SR, p)
        frames = np.abs(stem[: SR // 160 * 160]).reshape(-1, 160).max(1)
        silent.append(float((frames < 1e-3).mean()))
    assert _spearman(ps, silent) > 0.95 and silent[0] < 0.1 < silent[-1]


def test_confound_ties_the_drums_level_to_brightness():
    def corr(confound):
        data = ConceptMusic("train", 24, confound=confound, clip_seconds=0.5)
        items = [data[i] for i in range(24)]
        level = [float(it["stems"]["drums"].pow(2).mean() / it["wav"].pow(2).mean()) for it in items]
        return _spearman([float(it["concepts"][CONCEPTS.index("brightness")]) for it in items], level)

    assert corr(1.0) > 0.8 and abs(corr(0.0)) < 0.5


def test_data_module_splits_and_cache():
    dm = ConceptMusicDataModule(
        n_train=4, n_val=2, n_test=2, confound=1.0, test_confound=0.0, batch_size=2, clip_seconds=0.5
    )
    assert dm.dataset("train").confound == 1.0 and dm.dataset("test").confound == 0.0
    batch = next(iter(dm.train_dataloader()))
    assert set(batch) == {"wav", "label", "concepts", "seed"} and batch["label"].shape == (2, 2)
    assert dm.class_names == ["arousal", "valence"] and dm.concept_names == CONCEPTS


def test_concepts_as_labels_for_a_head_that_explains_them():
    emotions, concepts = (
        ConceptMusic("val", 1, clip_seconds=0.25),
        ConceptMusic("val", 1, clip_seconds=0.25, labels="concepts"),
    )
    assert concepts.class_names == CONCEPTS and emotions.class_names == ["arousal", "valence"]
    assert torch.equal(concepts[0]["label"], emotions[0]["concepts"]) and torch.equal(
        concepts[0]["wav"], emotions[0]["wav"]
    )
    data = ConceptMusicDataModule(n_train=2, n_val=1, n_test=1, clip_seconds=0.25, labels="concepts")
    assert data.class_names == CONCEPTS and data.dataset("test").class_names == CONCEPTS
    with pytest.raises(ValueError, match="unknown labels 'moods'"):
        ConceptMusic("val", 1, labels="moods")
