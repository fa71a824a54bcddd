"""`lmac report` pages for explain folders and benchmark runs (content, cap, errors); the browser
test is in test_browser.py."""

import base64
import io
import json
import shutil
from html.parser import HTMLParser

import numpy as np
import pytest
import soundfile as sf
from folders import CLIPS, concept_explained, explained, run_dir  # noqa: F401 (fixtures)
from helpers import run_cli

from lmac.report import PageOptions, ReportError, write_report
from lmac.report.clips import ClipView
from lmac.report.page import _select


class Media(HTMLParser):
    """Collects the page's <audio>, <img> and clip cards."""

    def __init__(self, html: str):
        super().__init__()
        self.audio, self.img, self.cards = [], [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "audio":
            self.audio.append(attrs)
        elif tag == "img":
            self.img.append(attrs)
        elif tag == "article":
            self.cards.append(attrs["id"])


def _decode(uri: str) -> np.ndarray:
    head, data = uri.split(",", 1)
    assert head in ("data:audio/flac;base64", "data:audio/ogg;base64")
    return sf.read(io.BytesIO(base64.b64decode(data)), dtype="float32")[0]


def test_explain_folder_page_plays_every_signal_on_one_scale(explained):
    page = write_report([explained], options=PageOptions(audio="flac"))
    assert page == explained / "report.html"
    media = Media(page.read_text())
    assert len(media.cards) == len(CLIPS) and len(media.audio) == 3 * len(CLIPS)
    assert all(m["src"].startswith("data:image/webp;base64,") for m in media.img)
    by_card = [media.audio[3 * i : 3 * i + 3] for i in range(len(CLIPS))]
    for card, players in zip(media.cards, by_card):
        name = card.split("-", 2)[2]
        written = {s: sf.read(explained / f"{name}.{s}.wav", dtype="float32")[0] for s in ("explanation", "residual")}
        written["input"] = sf.read(explained.parent / "clips" / f"{name}.wav", dtype="float32")[0]
        for signal, player in zip(("input", "explanation", "residual"), players):
            heard = _decode(player["src"])
            assert len(heard) == len(written[signal]) == round(CLIPS[name] * 16000)
            assert float(player["data-seconds"]) == pytest.approx(CLIPS[name])
            # played as written (16-bit FLAC), never normalised signal by signal
            np.testing.assert_allclose(heard, written[signal], atol=1e-4)


def _group(name, target, p):
    audio = {s: np.zeros(4, np.float32) for s in ("input", "explanation", "residual")}
    record = {"target_name": target, "prob_original": p, "prob_explanation": p, "prob_residual": 0.0}
    return [("m", ClipView(name, audio, b"", record))]


def test_cap_hears_every_class_first_highest_probability_first():
    groups = [_group("a1", "A", 0.7), _group("a2", "A", 0.9), _group("a3", "A", 0.8), _group("b1", "B", 0.5)]
    assert [g[0][1].name for g in _select(groups, 2)] == ["a2", "b1"]
    assert [g[0][1].name for g in _select(groups, 3)] == ["a2", "b1", "a3"]
    assert len(_select(groups, 50)) == 4 and _select(groups, 0) == []


def test_capped_page_lists_every_clip_and_plays_some(explained, tmp_path):
    page = write_report([explained], tmp_path / "small.html", PageOptions(max_clips=1, max_seconds=0.25))
    html = page.read_text()
    media = Media(html)
    assert len(media.cards) == 1 and len(media.audio) == 3
    assert all(name in html for name in CLIPS) and "1 with players below (at most 1" in html
    assert all(len(_decode(a["src"])) == 4000 for a in media.audio)  # players hold the first 0.25 s


def test_run_page_has_tabs_tables_curves_sanity_and_method_rows(run_dir):
    page = write_report([run_dir])
    html = page.read_text()
    for text in (
        'data-tab="tab-in_domain"',
        'data-tab="tab-white_noise"',
        'data-tab="tab-sanity"',
        'data-tab="tab-config"',
        "Fid-In ↑",
        "Deletion and insertion curves",
        "Model randomisation",
        "n_clips: 3",
        "× classifier",
    ):
        assert text in html, text
    media = Media(html)
    examples = sorted(run_dir.glob("examples/*/clip_*.wav"))
    assert examples and len(media.cards) == len(examples)
    assert len(media.audio) == (1 + 2 * 2) * len(examples)  # input once, explanation and residual per method
    assert sum(m["src"].startswith("data:image/webp") for m in media.img) == 2 * len(examples)
    assert sum(m["src"].startswith("data:image/svg+xml") for m in media.img) == 2 * 2 + 1  # curves, latency; sanity


def _copy(run_dir, tmp_path):
    return shutil.copytree(run_dir, tmp_path / "run", ignore=shutil.ignore_patterns("report.html"))


def test_partial_run_folders_are_one_line_errors_and_write_nothing(run_dir, tmp_path):
    run = _copy(run_dir, tmp_path)
    shutil.rmtree(run / "examples" / "white_noise" / "saliency")
    with pytest.raises(ReportError, match="saliency: missing"):
        write_report([run])
    (run / "results.json").unlink()
    result = run_cli("report", str(run))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("lmac report: error:") and "results.json is missing" in result.stderr
    assert not (run / "report.html").exists()
    with pytest.raises(ReportError, match="nowhere: no such folder"):
        write_report([tmp_path / "nowhere"])


def test_a_run_without_examples_or_curves_still_reports(run_dir, tmp_path):
    run = _copy(run_dir, tmp_path)
    shutil.rmtree(run / "examples")
    records = json.loads((run / "results.json").read_text())
    for r in records:
        for key in ("deletion_curve", "insertion_curve", "rand_corr", "rand_corr_by_layer"):
            r.pop(key, None)
    (run / "results.json").write_text(json.dumps(records))
    html = write_report([run]).read_text()
    assert "kept no example clips" in html and "Deletion and insertion" not in html and "tab-sanity" not in html


def test_report_cli_writes_the_page(explained, tmp_path):
    result = run_cli("report", str(explained), "--out", str(tmp_path / "r.html"), "--max-clips", "2")
    assert result.returncode == 0, result.stderr
    assert f"wrote {tmp_path / 'r.html'}" in result.stdout and len(Media((tmp_path / "r.html").read_text()).cards) == 2


def test_several_explain_folders_give_one_row_each_on_a_clip(explained, tmp_path):
    other = shutil.copytree(explained, tmp_path / "other", ignore=shutil.ignore_patterns("report.html"))
    for path in other.glob("*.json"):  # the inputs stay where lmac explain read them
        record = json.loads(path.read_text())
        path.write_text(json.dumps({**record, "method": "lmac-td"}))
    html = write_report([explained, other], tmp_path / "both.html").read_text()
    media = Media(html)
    assert len(media.cards) == len(CLIPS) and len(media.audio) == (1 + 2 * 2) * len(CLIPS)
    assert "lmac · out" in html and "lmac-td · other" in html


def test_concept_clips_show_the_concept_chart_and_each_concepts_sources(concept_explained):
    page = write_report([concept_explained], options=PageOptions(audio="flac"))
    html = page.read_text()
    media = Media(html)
    charts = [m for m in media.img if m.get("class") == "chart"]
    assert len(media.cards) == 2 and len(charts) == 2
    assert all(m["src"].startswith("data:image/svg+xml;base64,") for m in charts)
    svg = base64.b64decode(charts[0]["src"].split(",", 1)[1]).decode()
    assert "high" in svg and "low" in svg and "effect on tense" in svg
    assert len(media.audio) == 2 * (3 + 2)  # input, explanation, residual + one source per top concept
    record = json.loads((concept_explained / "tone.json").read_text())
    card = [c.split("-", 2)[2] for c in media.cards].index("tone")
    for player, file in zip(media.audio[5 * card + 3 : 5 * card + 5], record["levels"]["sources_wav"].values()):
        written = sf.read(concept_explained / file, dtype="float32")[0]
        np.testing.assert_allclose(_decode(player["src"]), written, atol=1e-4)
    assert "the sounds behind it (level 1)" in html
