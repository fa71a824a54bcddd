"""MUSDB18-HQ excerpts with stems on a generated folder in the released layout."""

import pytest
import torch
from audio_fixtures import make_musdb

from lmac.audio import AudioError
from lmac.data import MUSDBDataModule

TRACKS = {"train": ["A - one", "B - two", "C - three"], "test": ["D - four"]}


@pytest.fixture
def musdb(tmp_path):
    return make_musdb(tmp_path / "musdb18hq", TRACKS, seconds=2.0)


def test_splits_excerpts_and_stems_sum_to_mixture(musdb):
    dm = MUSDBDataModule(str(musdb), val_tracks=["B - two"], clip_seconds=0.5, hop_seconds=0.5)
    assert dm.class_names == ["vocals", "drums", "bass", "other"]
    train, val, test = (dm.dataset(s) for s in ("train", "val", "test"))
    assert (len(train), len(val), len(test)) == (8, 4, 4)  # 2 s tracks -> 4 excerpts each
    item = val[1]
    assert item["track"] == "B - two" and item["offset"] == 0.5
    assert item["wav"].shape == (8000,) and set(item["stems"]) == set(dm.class_names)
    assert torch.allclose(sum(item["stems"].values()), item["wav"], atol=1e-6)
    assert item["wav"].abs().max() == pytest.approx(0.9, abs=1e-5)
    assert item["label"] == 1  # track index 1 has the loud drums stem
    batch = next(iter(dm.test_dataloader()))
    assert batch["stems"]["bass"].shape == (4, 8000)


def test_max_excerpts_and_overlap(musdb):
    dm = MUSDBDataModule(str(musdb), val_tracks=[], clip_seconds=1.0, hop_seconds=0.25, max_excerpts_per_track=2)
    offsets = [off for track, off in dm.dataset("test").index]
    assert offsets == [0.0, 0.5]  # 5 excerpts (0, .25, .5, .75, 1.0) thinned to 2, evenly spaced


def test_unknown_val_track_and_missing_stem(musdb, caplog):
    with pytest.raises(ValueError, match=r"val_tracks \['Nope'\] not found"):
        MUSDBDataModule(str(musdb), val_tracks=["Nope"])
    (musdb / "train" / "C - three" / "bass.wav").unlink()
    with pytest.raises(AudioError, match="C - three/bass.wav: no such file"):
        MUSDBDataModule(str(musdb), val_tracks=[])
    dm = MUSDBDataModule(str(musdb), val_tracks=[], skip_bad_files=True, clip_seconds=1.0)
    assert [t.name for t in dm.tracks["train"]] == ["A - one", "B - two"]
    assert "C - three/bass.wav" in caplog.text


def test_missing_root(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such MUSDB18 folder"):
        MUSDBDataModule(str(tmp_path / "none"))
