"""ESC-50 loader on a generated folder in the released layout."""

import pytest
import torch
from audio_fixtures import ESC_CLASSES, make_esc50

from lmac.audio import AudioError
from lmac.data import ESC50DataModule, read_esc50


@pytest.fixture
def esc50(tmp_path):
    return make_esc50(tmp_path / "ESC-50-master", per_fold=2)


def test_folds_classes_and_item_format(esc50):
    dm = ESC50DataModule(str(esc50), sample_rate=16000, clip_seconds=1.5, batch_size=4)
    assert dm.class_names == ESC_CLASSES
    sizes = {split: len(dm.dataset(split)) for split in ("train", "val", "test")}
    assert sizes == {"train": 18, "val": 6, "test": 6}  # 3 folds x 3 classes x 2, then 1 fold each
    item = dm.dataset("val")[0]
    assert item["path"].endswith("4-0-A-0.wav") and item["label"] == 0
    wav = item["wav"]
    assert wav.dtype == torch.float32 and wav.shape == (24000,)  # 1 s at 8 kHz -> 16 kHz, padded to 1.5 s
    assert wav.abs().max() == pytest.approx(0.9, abs=1e-5)
    assert wav[16100:].abs().max() == 0  # zero padding after the 1 s clip
    # 300 Hz tone survives resampling: the spectrum peaks at 300 Hz
    spectrum = torch.fft.rfft(wav[:16000]).abs()
    assert int(spectrum.argmax()) == 300
    batch = next(iter(dm.train_dataloader()))
    assert batch["wav"].shape == (4, 24000) and batch["label"].dtype == torch.int64


def test_stereo_is_downmixed_and_folds_are_selectable(esc50):
    dm = ESC50DataModule(str(esc50), train_folds=[1], val_folds=[2], test_folds=[3, 4], clip_seconds=1.0)
    assert len(dm.dataset("test")) == 12
    siren = [c for c in dm.dataset("train").clips if c.label == 2][0]
    assert dm.dataset("train")[dm.dataset("train").clips.index(siren)]["wav"].shape == (16000,)


def test_missing_folder_and_meta(tmp_path, esc50):
    with pytest.raises(FileNotFoundError, match="no such ESC-50 folder"):
        read_esc50(tmp_path / "nowhere")
    (esc50 / "meta" / "esc50.csv").unlink()
    with pytest.raises(FileNotFoundError, match="meta/esc50.csv: no such file"):
        read_esc50(esc50)


def test_unknown_fold_is_a_clear_error(esc50):
    with pytest.raises(ValueError, match=r"test folds \[7\]"):
        ESC50DataModule(str(esc50), test_folds=[7])


def test_bad_file_named_or_skipped_on_request(esc50, caplog):
    bad = esc50 / "audio" / "1-0-A-0.wav"
    bad.write_bytes(b"not audio at all")
    empty = esc50 / "audio" / "2-0-A-0.wav"
    import soundfile as sf

    sf.write(str(empty), torch.zeros(0).numpy(), 8000)
    with pytest.raises(AudioError, match="1-0-A-0.wav: cannot be read as audio.*skip_bad_files"):
        ESC50DataModule(str(esc50))
    dm = ESC50DataModule(str(esc50), skip_bad_files=True)
    assert len(dm.dataset("train")) == 16
    assert "1-0-A-0.wav" in caplog.text and "2-0-A-0.wav: contains no samples" in caplog.text


def test_missing_listed_file_names_it(esc50):
    (esc50 / "audio" / "5-201-A-2.wav").unlink()
    with pytest.raises(AudioError, match="5-201-A-2.wav: no such file"):
        ESC50DataModule(str(esc50))
