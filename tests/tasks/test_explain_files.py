"""`lmac explain`'s library side: streamed output sets equal the in-memory explanation, inputs, the index."""

import json

import numpy as np
import pytest
import soundfile as sf
import torch
from conftest import SR

from lmac.audio import AudioStream, load_audio
from lmac.explainers.windowing import explain_blocks
from lmac.tasks.explain import collect_inputs, explain_inputs, explain_source, explain_waveform, write_result


def test_streamed_output_set_equals_the_unbatched_explanation(tmp_path, write_wav, explainer):
    rng = np.random.default_rng(0)
    t = np.arange(int(4.2 * 44100)) / 44100
    left = 0.3 * np.sin(2 * np.pi * 330 * t) + 0.05 * rng.standard_normal(len(t))
    path = write_wav("long.wav", np.stack([left, 0.5 * left], 1), sample_rate=44100)
    stream = AudioStream(path, SR, block_frames=5000)  # many blocks, each resampled on its own
    streamed = explain_source(
        explainer, stream, stream.length, tmp_path / "streamed", "long", batch_size=3, source=str(path)
    )
    whole = explain_waveform(explainer, load_audio(path, SR), None, str(path))  # all windows in one batch
    write_result(whole, tmp_path / "whole")
    for kind in ("explanation", "residual"):
        a, _ = sf.read(str(tmp_path / "streamed" / f"long.{kind}.wav"))
        b, _ = sf.read(str(tmp_path / "whole" / f"long.{kind}.wav"))
        assert a.shape == b.shape == (stream.length,)
        np.testing.assert_allclose(a, b, atol=1e-5)
    record = json.loads((tmp_path / "streamed" / "long.json").read_text())
    assert record == json.loads(json.dumps(streamed))
    reference = json.loads((tmp_path / "whole" / "long.json").read_text())
    assert record.keys() == reference.keys()
    assert record["target"] == reference["target"] and record["extras"] == reference["extras"]
    for key in ("prob_original", "prob_explanation", "prob_residual", "duration"):
        assert record[key] == pytest.approx(reference[key], abs=1e-5)
    assert len(record["extras"]["windows"]) == 16


def test_pieces_come_out_while_the_clip_streams_in(explainer, classifier, capsys):
    blocks_read = []

    def blocks():
        for i in range(40):  # 40 blocks of a quarter window: 19 windows
            blocks_read.append(i)
            yield torch.randn(classifier.clip_samples // 4)

    length = 40 * (classifier.clip_samples // 4)
    first = next(explain_blocks(explainer, blocks(), length, target=1, batch_size=2, progress=True))
    assert len(blocks_read) < 10 and 0 < first.wav.shape[-1] < length
    assert "windows" in capsys.readouterr().err  # a progress bar for a clip of many windows


def test_a_bad_file_mid_stream_leaves_nothing(tmp_path, write_wav, explainer):
    data = 0.1 * np.random.default_rng(0).standard_normal(SR * 3)
    data[-100:] = np.nan  # found only when the last block is read
    bad = write_wav("bad.wav", data, subtype="FLOAT")
    good = write_wav("good.wav", data[:SR])
    out = tmp_path / "out"
    rows = list(explain_inputs(explainer, collect_inputs([str(bad), str(good)]), out, batch_size=2))
    assert rows[0]["status"] == "error" and rows[0]["error"].endswith("contains NaN or infinite samples")
    assert rows[1]["status"] == "ok" and rows[1]["prob_original"] > 0
    assert sorted(p.name for p in out.rglob("*")) == [
        "good.explanation.wav",
        "good.json",
        "good.png",
        "good.residual.wav",
    ]


def test_collect_inputs(tmp_path, write_wav):
    for name in ("dog/a.wav", "dog/b.flac", "rain/a.wav"):
        (tmp_path / "clips" / name).parent.mkdir(parents=True, exist_ok=True)
        write_wav(f"clips/{name}", np.zeros(10))
    (tmp_path / "clips" / "notes.txt").write_text("not audio")
    clips = tmp_path / "clips"
    assert collect_inputs([str(clips)]) == [
        (str(clips / "dog/a.wav"), "dog/a"),
        (str(clips / "dog/b.flac"), "dog/b"),
        (str(clips / "rain/a.wav"), "rain/a"),
    ]
    listing = tmp_path / "lists" / "inputs.txt"
    listing.parent.mkdir()
    listing.write_text(f"# two clips\n../clips/dog/b.flac\n\n  {clips / 'rain' / 'a.wav'}  \n")
    assert collect_inputs([str(listing), "x/other.wav"]) == [
        (str(listing.parent / "../clips/dog/b.flac"), "b"),
        (str(clips / "rain/a.wav"), "a"),
        ("x/other.wav", "other"),
    ]
    with pytest.raises(ValueError, match=r"same output files \(a\)"):
        collect_inputs([str(clips / "dog/a.wav"), str(clips / "rain/a.wav")])
    with pytest.raises(ValueError, match="would overwrite the index"):
        collect_inputs(["somewhere/index.wav"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no audio files"):
        collect_inputs([str(tmp_path / "empty")])
    (tmp_path / "blank.txt").write_text("# nothing\n")
    with pytest.raises(ValueError, match="list of inputs is empty"):
        collect_inputs([str(tmp_path / "blank.txt")])
