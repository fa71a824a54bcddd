import pytest
import torch

from lmac.data import SyntheticDataModule, SyntheticMixtures, make_item
from lmac.data.synthesizers import SYNTHS, synthesize


def test_items_are_deterministic_and_stems_sum_to_mixture():
    data = SyntheticMixtures("instruments", "train", n_items=8, seed=3)
    a, b = data[5], SyntheticMixtures("instruments", "train", n_items=8, seed=3)[5]
    assert torch.equal(a["wav"], b["wav"]) and a["seed"] == b["seed"]
    assert a["wav"].shape == (32000,)
    assert set(a["stems"]) == {"piano", "guitar", "organ", "flute", "bass", "drums"}
    assert torch.allclose(sum(a["stems"].values()), a["wav"], atol=1e-6)
    assert a["label"] == 5 % 4
    assert a["stems"][data.class_names[a["label"]]].abs().max() > 0  # the lead sounds
    regenerated = make_item("instruments", "train", a["label"], a["seed"])
    assert torch.equal(regenerated["wav"], a["wav"])


def test_splits_and_seeds_do_not_overlap():
    train = SyntheticMixtures("instruments", "train", 4, seed=0)
    test = SyntheticMixtures("instruments", "test", 4, seed=0)
    other = SyntheticMixtures("instruments", "train", 4, seed=1)
    assert not torch.equal(train[0]["wav"], test[0]["wav"])
    assert not torch.equal(train[0]["wav"], other[0]["wav"])


@pytest.mark.parametrize(
    "split,guitar_drums,piano_drums", [("train", True, False), ("test_std", True, False), ("test_bad", False, True)]
)
def test_confound_composition(split, guitar_drums, piano_drums):
    data = SyntheticMixtures("confound", split, n_items=6)
    for i in range(6):
        item = data[i]
        lead = data.class_names[item["label"]]
        has_drums = bool(item["stems"]["drums"].abs().max() > 0)
        assert has_drums == (guitar_drums if lead == "guitar" else piano_drums)
        assert item["stems"]["bass"].abs().max() > 0
        other = "piano" if lead == "guitar" else "guitar"
        assert item["stems"][other].abs().max() == 0


def test_every_synth_is_finite_and_normalised():
    rng = __import__("numpy").random.default_rng(0)
    for name in SYNTHS:
        stem = synthesize(name, rng, 16000, 16000)
        assert stem.shape == (16000,) and stem.dtype.name == "float32"
        assert abs(float((stem**2).mean() ** 0.5) - 0.1) < 1e-3


def test_bad_task_or_split():
    with pytest.raises(ValueError, match="unknown task"):
        SyntheticMixtures("birds")
    with pytest.raises(ValueError, match="unknown split"):
        SyntheticMixtures("instruments", "test_bad")


def test_datamodule_batches_and_cache():
    dm = SyntheticDataModule(
        "confound", n_train=4, n_val=2, n_test=2, test_split="test_bad", batch_size=2, clip_seconds=0.5
    )
    batch = next(iter(dm.train_dataloader()))
    assert batch["wav"].shape == (2, 8000) and batch["label"].shape == (2,)
    first = dm.train_dataloader().dataset[0]["wav"]
    assert dm.train_dataloader().dataset[0]["wav"] is first  # cached
    test = next(iter(dm.test_dataloader()))
    assert set(test["stems"]) == {"guitar", "piano", "bass", "drums"}
    assert dm.class_names == ["guitar", "piano"]


def test_multi_label_task_labels_are_the_leads_that_play():
    data = SyntheticMixtures("instruments_multi", "train", n_items=12, clip_seconds=0.5)
    counts = []
    for i in range(12):
        item = data[i]
        assert item["label"].dtype == torch.float32 and item["label"].shape == (4,)
        playing = [float(item["stems"][c].abs().max() > 0) for c in data.class_names]
        assert item["label"].tolist() == playing and item["label"][i % 4] == 1  # the item's own lead always plays
        assert torch.allclose(sum(item["stems"].values()), item["wav"], atol=1e-6)
        counts.append(int(item["label"].sum()))
    assert max(counts) >= 2  # several leads at once
    dm = SyntheticDataModule("instruments_multi", n_train=2, n_val=2, n_test=2, batch_size=2, clip_seconds=0.5)
    assert dm.test_split == "test" and next(iter(dm.test_dataloader()))["label"].shape == (2, 4)
