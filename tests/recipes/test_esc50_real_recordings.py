"""recipes/esc50/real_recordings.py: the parts that need no download, on audio and kits the test writes."""

import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from helpers import load_recipe

from lmac.data import read_esc50

rr = load_recipe("esc50", "real_recordings")


def _recordings(tmp_path: Path, sizes: dict[str, list[int]]) -> list:
    """Recordings of each class: one source per entry of ``sizes[category]``, that many files each."""
    out = []
    for category, groups in sizes.items():
        for g, n in enumerate(groups):
            for k in range(n):
                out.append(rr.Recording(category, f"{category}-src{g}", tmp_path / f"{category}_{g}_{k}.wav"))
    return out


def test_instrument_names_map_to_classes():
    assert rr.instrument_class('Kick (Tama Superstar 22")') == "kick_drum"
    assert rr.instrument_class("BassDrum") == "kick_drum"
    assert rr.instrument_class("Snare Rimshot (Pearl)") == "snare_drum"
    assert rr.instrument_class("Sabian Hat Semi-Open") == "hi_hat"
    assert rr.instrument_class("Closed HH") == "hi_hat"
    assert rr.instrument_class("Hi-Hat Pedal (Paiste)") == "hi_hat"
    assert rr.instrument_class("Crash/Ride Bell (Paiste)") == "cymbal"
    assert rr.instrument_class("Floor Tom") == "tom_tom"
    for ambiguous in ("Rim Click (Pearl)", "Pearl Side Stick", "Hand Clap", "Cowbell", "redo super opaco"):
        assert rr.instrument_class(ambiguous) is None


def test_hydrogen_kits_are_read_from_drumkit_xml(tmp_path):
    ns = "http://www.hydrogen-music.org/drumkit"
    for kit in (*rr.ACOUSTIC_KITS, *rr.KIT_CLASSES):
        folder = tmp_path / rr.DRUMKITS / kit
        folder.mkdir(parents=True)
        (folder / "drumkit.xml").write_text(
            f'<drumkit_info xmlns="{ns}"><instrumentList>'
            "<instrument><name>Kick</name><layer><filename>k1.wav</filename></layer>"
            "<layer><filename>k2.wav</filename></layer></instrument>"
            "<instrument><name>Cowbell</name><layer><filename>c.wav</filename></layer></instrument>"
            "<instrument><name>17</name></instrument>"
            "</instrumentList></drumkit_info>"
        )
    found = rr.hydrogen_recordings(tmp_path)
    by_class = Counter(r.category for r in found)
    # two kick layers per acoustic kit; the cowbell only where the whole kit is one class
    assert by_class == {"kick_drum": 2 * len(rr.ACOUSTIC_KITS), "hand_percussion": 3, "african_drums": 3}
    kicks = [r for r in found if r.group == "BJA_Pacific/Kick"]
    assert [r.path.name for r in kicks] == ["k1.wav", "k2.wav"]


def test_select_caps_each_class_round_robin_over_sources(tmp_path):
    recordings = _recordings(tmp_path, {"a": [5, 5, 1], "b": [2]})
    chosen = rr.select(recordings, per_class=7)
    per_group = Counter(r.group for r in chosen if r.category == "a")
    assert sum(per_group.values()) == 7 and per_group["a-src2"] == 1  # every source before any twice
    assert sorted(per_group.values()) == [1, 3, 3]
    assert [r for r in chosen if r.category == "b"] == [r for r in recordings if r.category == "b"]
    assert rr.select(list(reversed(recordings)), per_class=7) == chosen  # deterministic, order-free


def test_folds_keep_a_source_together_and_balance_each_class(tmp_path):
    recordings = _recordings(tmp_path, {"a": [1] * 10, "b": [4, 3, 2, 2, 1, 1, 1, 1, 1]})
    folds = rr.assign_folds(recordings)
    assert set(folds.values()) == {1, 2, 3, 4, 5}
    for group in {r.group for r in recordings}:
        assert len({folds[r] for r in recordings if r.group == group}) == 1
    for category in ("a", "b"):
        counts = Counter(folds[r] for r in recordings if r.category == category)
        assert sorted(counts) == [1, 2, 3, 4, 5] and max(counts.values()) - min(counts.values()) <= 2
    assert Counter(folds[r] for r in recordings if r.category == "a") == {f: 2 for f in range(1, 6)}
    with pytest.raises(ValueError, match="'c' has 4 sources"):
        rr.assign_folds(_recordings(tmp_path, {"c": [3, 3, 3, 3]}))


def test_clips_are_cut_or_padded_to_five_seconds_at_peak_0_9():
    sr = 1000
    short = torch.sin(torch.arange(1200) / 10.0) * 0.2
    clip = rr.to_clip(short, seconds=5.0, sample_rate=sr)
    assert clip.shape == (5000,)
    assert clip.abs().max().item() == pytest.approx(0.9) and torch.all(clip[1200:] == 0)
    torch.testing.assert_close(clip[:1200], short * (0.9 / short.abs().max()))
    long = torch.randn(7000)
    assert torch.equal(rr.to_clip(long, 5.0, sr), rr.to_clip(long[:5000], 5.0, sr))
    assert rr._take_name(0) == "A" and rr._take_name(25) == "Z" and rr._take_name(26) == "AA"


def test_written_folder_reads_as_esc50_at_44k1(tmp_path):
    rng = np.random.default_rng(0)
    src = tmp_path / "src"
    src.mkdir()
    recordings = []
    for category, sr, seconds in (("speech", 8000, 6.0), ("tabla", 22050, 1.0)):
        for k in range(5):
            path = src / f"{category}{k}.wav"
            sf.write(str(path), rng.standard_normal((int(sr * seconds), 2)).astype(np.float32) * 0.1, sr)
            recordings.append(rr.Recording(category, f"{category}{k}", path))
    out = tmp_path / "esc"
    out.mkdir()
    rows = rr.write_folder(out, recordings, rr.assign_folds(recordings))
    clips, class_names = read_esc50(out)
    assert class_names == ["speech", "tabla"] and len(clips) == len(rows) == 10
    assert sorted(c.fold for c in clips if c.label == 1) == [1, 2, 3, 4, 5]
    header = (out / "meta" / "esc50.csv").read_text().splitlines()[0]
    assert header == "filename,fold,target,category,esc10,src_file,take"
    for row in rows:
        assert row["filename"] == f"{row['fold']}-{row['src_file']}-{row['take']}-{row['target']}.wav"
        info = sf.info(str(out / "audio" / row["filename"]))
        assert (info.samplerate, info.channels, info.frames, info.subtype) == (44100, 1, 220500, "PCM_16")
    tabla, _ = sf.read(str(out / "audio" / next(r["filename"] for r in rows if r["category"] == "tabla")))
    assert np.abs(tabla).max() == pytest.approx(0.9, abs=1e-3) and np.all(tabla[44100 + 50 :] == 0)


def test_a_non_empty_output_folder_is_refused_before_anything_is_downloaded(tmp_path, monkeypatch):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("keep")
    monkeypatch.setattr(rr, "fetch_packages", lambda work: pytest.fail("downloaded"))
    with pytest.raises(FileExistsError, match="not empty"):
        rr.build(tmp_path / "out")
    assert (tmp_path / "out" / "mine.txt").read_text() == "keep"


def test_a_failed_download_names_the_package(tmp_path, monkeypatch):
    def failing(cmd, **kwargs):
        return subprocess.CompletedProcess(cmd, 100, "", "E: Unable to locate package")

    monkeypatch.setattr(rr.subprocess, "run", failing)
    with pytest.raises(RuntimeError, match="apt-get download hydrogen-drumkits failed.*Unable to locate"):
        rr.fetch_packages(tmp_path)
