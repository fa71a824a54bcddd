"""`lmac explain SONG --lyrics TEXT`: MusicLIME from the command line, files and one-line errors."""

import json

import torch
from helpers import run_cli

from lmac.audio import save_audio
from lmac.classifiers import LyricsMelCNN, save_classifier
from lmac.data import LyricSongs, SyntheticMixtures


def _song(tmp_path):
    torch.manual_seed(0)
    clf = LyricsMelCNN(
        ["ballad", "pop", "lament", "rock"], clip_seconds=0.5, n_mels=32, channels=(4, 8), text_buckets=64, text_dim=4
    )
    save_classifier(clf, tmp_path / "mm.pt")
    item = LyricSongs(SyntheticMixtures("songs", "test", n_items=1, clip_seconds=0.5))[0]
    save_audio(tmp_path / "song.wav", item["wav"], 16000)
    (tmp_path / "song.txt").write_text(item["text"] + "\n")
    return tmp_path / "mm.pt", tmp_path / "song.wav", tmp_path / "song.txt", item["text"]


def test_explain_a_song_with_its_lyrics(tmp_path):
    ckpt, wav, txt, text = _song(tmp_path)
    out = tmp_path / "out"
    result = run_cli(
        "explain",
        str(wav),
        "--lyrics",
        str(txt),
        "--checkpoint",
        str(ckpt),
        "--samples",
        "20",
        "--target",
        "rock",
        "--out",
        str(out),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "top features:" in result.stdout and "(lyrics)" in result.stdout
    record = json.loads((out / "song.json").read_text())
    assert record["method"] == "musiclime" and record["target_name"] == "rock" and record["lyrics"].endswith("song.txt")
    extras = record["extras"]
    assert set(extras["words"][0]) == set(text.split()) and extras["lyrics"] == [text + "\n"]
    assert {r["modality"] for r in extras["ranking"][0]} == {"audio", "lyrics"} and extras["n_samples"] == [20]
    assert (
        all((out / f"song.{k}").exists() for k in ("explanation.wav", "residual.wav", "png"))
        and (out / "index.csv").exists()
    )


def test_song_errors_are_one_line_and_write_nothing(tmp_path):
    ckpt, wav, txt, _ = _song(tmp_path)
    cases = [
        ([str(wav), "--lyrics", str(tmp_path / "none.txt")], "cannot read the lyrics file"),
        ([str(wav), str(wav), "--lyrics", str(txt)], "explains one song"),
        ([str(wav), "--lyrics", str(txt), "--samples", "1"], "--samples must be at least 2"),
    ]
    for i, (args, message) in enumerate(cases):
        out = tmp_path / f"out{i}"
        result = run_cli("explain", *args, "--checkpoint", str(ckpt), "--out", str(out), timeout=300)
        assert result.returncode == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert not out.exists()
