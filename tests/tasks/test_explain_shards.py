"""`lmac explain --shard I/N`: every input explained once by one shard, the index once all are done, and a
restarted run skips the inputs it finished."""

import json

import numpy as np
import pytest

from lmac.cli import main


@pytest.fixture
def checkpoint(tmp_path):
    from conftest import tiny_classifier, tiny_head

    from lmac.explainers import LMAC

    clf = tiny_classifier()
    LMAC(clf, tiny_head(clf)).export(tmp_path / "explainer.pt")
    return str(tmp_path / "explainer.pt")


@pytest.fixture
def folder(tmp_path, write_wav):
    rng = np.random.default_rng(0)
    (tmp_path / "clips").mkdir()
    for i in range(5):
        write_wav(f"clips/c{i}.wav", 0.1 * rng.standard_normal(4000 + 1000 * i))
    return str(tmp_path / "clips")


def _index(out):
    return json.loads((out / "index.json").read_text())["rows"]


def _without_timing(rows):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]


def test_two_shards_explain_each_input_once_and_give_the_unsharded_index(tmp_path, folder, checkpoint, capsys):
    whole, split = tmp_path / "whole", tmp_path / "split"
    assert main(["explain", folder, "--checkpoint", checkpoint, "--out", str(whole)]) == 0
    assert main(["explain", folder, "--checkpoint", checkpoint, "--out", str(split), "--shard", "1/2"]) == 0
    assert "index.csv is written when every shard is" in capsys.readouterr().out
    assert sorted(p.name for p in split.glob("*.json")) == ["c1.json", "c3.json"]  # input i -> shard i % 2
    assert not (split / "index.csv").exists()
    assert main(["explain", folder, "--checkpoint", checkpoint, "--out", str(split), "--shard", "0/2"]) == 0
    assert sorted(p.name for p in split.glob("c*.json")) == [f"c{i}.json" for i in range(5)]
    assert _without_timing(_index(split)) == _without_timing(_index(whole))  # in input order
    assert sorted(p.name for p in split.glob("index.*")) == [
        "index.0-of-2.jsonl",
        "index.1-of-2.jsonl",
        "index.csv",
        "index.json",
    ]
    assert main(["explain", folder, "--checkpoint", checkpoint, "--out", str(split), "--shard", "2/2"]) == 2
    assert "shard index must be in [0, count)" in capsys.readouterr().err


def test_a_restarted_run_skips_finished_inputs(tmp_path, folder, checkpoint, capsys):
    out = tmp_path / "out"
    assert main(["explain", folder, "--checkpoint", checkpoint, "--out", str(out)]) == 0
    journal = out / "index.0-of-1.jsonl"
    lines = journal.read_text().splitlines(keepends=True)
    assert len(lines) == 5
    journal.write_text("".join(lines[:2]) + lines[2][:30])  # killed while recording the third input
    (out / "index.csv").unlink()
    kept = (out / "c0.explanation.wav").stat().st_mtime_ns
    capsys.readouterr()
    assert main(["explain", folder, "--checkpoint", checkpoint, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "wrote 3 explanation(s) to" in printed and "(2 done by an earlier run)" in printed
    assert (out / "c0.explanation.wav").stat().st_mtime_ns == kept  # not explained again
    assert [json.loads(line)["input"] for line in journal.read_text().splitlines()] == [
        json.loads(line)["input"] for line in lines
    ]
    assert len(_index(out)) == 5 and (out / "index.csv").exists()
    # another target is another run: nothing is skipped
    capsys.readouterr()
    assert main(["explain", folder, "--checkpoint", checkpoint, "--out", str(out), "--target", "organ"]) == 0
    assert "wrote 5 explanation(s)" in capsys.readouterr().out
    assert {r["target_name"] for r in _index(out)} == {"organ"}
