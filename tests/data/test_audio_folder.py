"""Generic audio folders: class sub-folders, CSV manifests with folds, bad-input errors."""

import numpy as np
import pytest
import soundfile as sf
from audio_fixtures import tone

from lmac.audio import AudioError
from lmac.data import AudioFolderDataModule
from lmac.data.folder import hash_split


def _class_folders(root, per_class=10):
    for k, name in enumerate(["cat", "bird"]):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            sf.write(str(root / name / f"{i}.flac"), tone(400 * (k + 1), 0.3, 22050, seed=i), 22050)
    return root


def test_class_subfolders_hash_split(tmp_path):
    root = _class_folders(tmp_path / "clips")
    dm = AudioFolderDataModule(str(root), sample_rate=16000, clip_seconds=0.5, val_fraction=0.2, test_fraction=0.2)
    assert dm.class_names == ["bird", "cat"]  # sorted folder names
    splits = {s: dm.dataset(s) for s in ("train", "val", "test")}
    assert sum(len(d) for d in splits.values()) == 20
    expected = {s: 0 for s in splits}
    for name in ("cat", "bird"):
        for i in range(10):
            expected[hash_split(f"{name}/{i}.flac", 0.2, 0.2)] += 1
    assert {s: len(d) for s, d in splits.items()} == expected
    item = splits["train"][0]
    assert item["wav"].shape == (8000,) and item["label"] in (0, 1) and item["path"].endswith(".flac")


def test_manifest_with_folds_and_class_list(tmp_path):
    root = tmp_path / "data"
    (root / "wavs").mkdir(parents=True)
    lines = ["path,label,fold"]
    for i in range(6):
        sf.write(str(root / "wavs" / f"{i}.wav"), tone(500, 0.2, 16000, seed=i), 16000)
        lines.append(f"wavs/{i}.wav,{['yes', 'no'][i % 2]},{i % 3 + 1}")
    (root / "manifest.csv").write_text("\n".join(lines) + "\n")
    dm = AudioFolderDataModule(
        str(root),
        manifest="manifest.csv",
        class_names=["no", "yes", "maybe"],
        train_folds=[1],
        val_folds=[2],
        test_folds=[3],
        clip_seconds=0.2,
    )
    assert dm.class_names == ["no", "yes", "maybe"]
    train = dm.dataset("train")
    assert [c.path.rsplit("/", 1)[-1] for c in train.clips] == ["0.wav", "3.wav"]  # fold 1
    assert [c.label for c in train.clips] == [1, 0]  # yes -> 1, no -> 0 in the given class order


def test_manifest_label_outside_class_list(tmp_path):
    (tmp_path / "a.wav").write_bytes(b"")
    (tmp_path / "m.csv").write_text("path,label\na.wav,dog\na.wav,cat\n")
    with pytest.raises(ValueError, match=r"labels \['cat'\] are not in the class list \['dog'\]"):
        AudioFolderDataModule(str(tmp_path), manifest="m.csv", class_names=["dog"])


def test_manifest_without_columns_or_folds(tmp_path):
    (tmp_path / "m.csv").write_text("file,label\na.wav,dog\n")
    with pytest.raises(ValueError, match="needs columns path,label"):
        AudioFolderDataModule(str(tmp_path), manifest="m.csv")
    sf.write(str(tmp_path / "a.wav"), tone(300, 0.1, 16000), 16000)
    (tmp_path / "n.csv").write_text("path,label\na.wav,dog\n")
    with pytest.raises(ValueError, match="need a manifest with a fold"):
        AudioFolderDataModule(str(tmp_path), manifest="n.csv", train_folds=[1])


def test_subfolder_outside_class_list_and_missing_root(tmp_path):
    root = _class_folders(tmp_path / "clips", per_class=1)
    with pytest.raises(ValueError, match=r"sub-folders \['bird'\] are not in the class list"):
        AudioFolderDataModule(str(root), class_names=["cat"])
    with pytest.raises(FileNotFoundError, match="nope: no such audio folder"):
        AudioFolderDataModule(str(tmp_path / "nope"))


def test_corrupt_file_error_or_skip(tmp_path, caplog):
    root = _class_folders(tmp_path / "clips", per_class=3)
    (root / "cat" / "broken.wav").write_bytes(b"RIFF\x00\x00garbage")
    with pytest.raises(AudioError, match="broken.wav: cannot be read"):
        AudioFolderDataModule(str(root))
    dm = AudioFolderDataModule(str(root), skip_bad_files=True, val_fraction=0, test_fraction=0)
    assert len(dm.dataset("train")) == 6 and "broken.wav" in caplog.text


def test_load_audio_segment(tmp_path):
    from lmac.audio import audio_info, load_audio

    ramp = np.arange(16000, dtype=np.float32) / 16000
    sf.write(str(tmp_path / "r.wav"), ramp, 16000, subtype="FLOAT")
    seg = load_audio(tmp_path / "r.wav", 16000, offset=0.25, duration=0.5)
    assert (
        seg.shape == (8000,)
        and seg[0].item() == pytest.approx(0.25)
        and seg[-1].item() == pytest.approx(0.75 - 1 / 16000)
    )
    assert audio_info(tmp_path / "r.wav").seconds == 1.0
    with pytest.raises(AudioError, match="contains no samples"):
        load_audio(tmp_path / "r.wav", 16000, offset=2.0)
