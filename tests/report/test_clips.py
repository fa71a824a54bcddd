"""The per-clip view: one function for the written files, the report and the training callback."""

import json

import numpy as np
import pytest
import torch
from conftest import tiny_classifier, tiny_head

from lmac.audio import save_audio
from lmac.explainers import LMAC
from lmac.report.clips import (
    ClipView,
    ReportError,
    clip_view,
    listening_gain,
    read_clip,
    read_clip_folder,
    signal_probabilities,
)
from lmac.tasks.explain import ClipResult, write_result


@pytest.fixture(scope="module")
def exp():
    """The tiny classifier and a one-clip explanation."""
    clf = tiny_classifier()
    torch.manual_seed(0)
    return clf, LMAC(clf, tiny_head(clf)).explain(0.3 * torch.randn(1, 8000)).detach()


def test_written_clip_reads_back_as_the_same_view(tmp_path, exp):
    clf, one = exp
    info = {**signal_probabilities(clf, one)[0], "input": "elsewhere/a.wav"}
    save_audio(tmp_path / "a.wav", one.wav[0], 16000)  # the input beside the outputs is found first
    written = write_result(ClipResult("a", one, info), tmp_path)
    assert sorted(p.name for p in written) == ["a.explanation.wav", "a.json", "a.png", "a.residual.wav"]
    direct, read = clip_view(one, 0, info, "a"), read_clip(tmp_path / "a.json")
    assert read.figure == direct.figure and read.name == "a"
    for signal in ("input", "explanation", "residual"):
        np.testing.assert_allclose(read.audio[signal], direct.audio[signal], atol=1e-6)
    assert read.probs == direct.probs and read.target_name == clf.class_names[int(one.target[0])]
    # the probabilities are the classifier's on the three signals
    p = clf(torch.cat([one.wav, one.explanation_wav, one.residual_wav])).softmax(-1)[:, int(one.target[0])]
    assert [read.probs[s] for s in ("input", "explanation", "residual")] == pytest.approx(p.tolist(), abs=1e-5)


def _view(**peaks):
    audio = {
        k: np.array([0.0, peaks.get(k, 0.5), -0.1], dtype=np.float32) for k in ("input", "explanation", "residual")
    }
    return ClipView("c", audio, b"", {})


def test_one_gain_for_every_player_of_a_clip():
    assert listening_gain([_view()]) == 1.0  # nothing clips: played as written, never normalised
    views = [_view(input=0.5), _view(explanation=1.98)]  # a second method's explanation would clip
    gain = listening_gain(views)
    assert gain == pytest.approx(0.5)  # 0.99 / 1.98, the same for every signal of the clip


def test_missing_files_and_inputs_are_one_line_errors(tmp_path, exp):
    clf, one = exp
    info = {**signal_probabilities(clf, one)[0], "input": str(tmp_path / "gone.wav")}
    write_result(ClipResult("a", one, info), tmp_path)
    with pytest.raises(ReportError, match="input audio not found") as err:
        read_clip(tmp_path / "a.json")
    assert "\n" not in str(err.value)
    save_audio(tmp_path / "gone.wav", one.wav[0, :100], 16000)  # the input named in the JSON, but too short
    with pytest.raises(ReportError, match="100 samples"):
        read_clip(tmp_path / "a.json")
    save_audio(tmp_path / "gone.wav", one.wav[0], 16000)
    (tmp_path / "index.json").write_text(json.dumps([{"input": "x.wav", "error": "unreadable"}]))  # not a clip
    assert [v.name for v in read_clip_folder(tmp_path)] == ["a"]
    (tmp_path / "a.residual.wav").unlink()
    with pytest.raises(ReportError, match="a.residual.wav: missing"):
        read_clip_folder(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReportError, match="no explanations here"):
        read_clip_folder(tmp_path / "empty")
    with pytest.raises(ReportError, match="no such folder"):
        read_clip_folder(tmp_path / "nope")
