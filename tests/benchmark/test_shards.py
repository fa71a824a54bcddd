"""Sharded benchmark runs: per-clip rows, restart after a kill, merge; 2 shards through Hydra's submitit
launcher (local executor) give the unsharded run's table."""

import json
import math

import pytest
from conftest import tiny_classifier, tiny_head
from helpers import run_cli

from lmac.benchmark import IncompleteRun, merge_runs, records_from_rows
from lmac.benchmark.rows import rows_path
from lmac.classifiers import save_classifier
from lmac.cli import main
from lmac.explainers import LMAC
from lmac.sharding import ShardError, read_rows
from lmac.tasks.benchmark import benchmark
from lmac.tasks.config import CONFIG_DIR

KEEP = ["lmac"]  # one tiny head; the baselines are tested elsewhere
DROP = ["lmac_td", "saliency", "integrated_gradients", "smoothgrad", "gradcam", "lime_oracle"]


@pytest.fixture
def overrides(tmp_path):
    clf = tiny_classifier()
    save_classifier(clf, tmp_path / "classifier.pt")
    LMAC(clf, tiny_head(clf)).export(tmp_path / "explainer.pt")
    return [
        "experiment=demo_benchmark",
        f"classifier.path={tmp_path / 'classifier.pt'}",
        f"methods.lmac.path={tmp_path / 'explainer.pt'}",
        *[f"~methods.{m}" for m in DROP],
        "~settings.other_class",
        "~settings.unrelated_source",
        "runner.n_clips=3",
        "runner.sanity_clips=1",
        "runner.curve_steps=2",
        "runner.progress=false",
    ]


def _compose(overrides):
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    GlobalHydra.instance().clear()
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        return compose("benchmark", overrides=overrides)


def _metrics(records):
    """Everything but the timings (which differ from run to run)."""
    return [{k: v for k, v in r.items() if "seconds" not in k and k != "ratio_to_classifier"} for r in records]


def _same(a, b):
    assert len(a) == len(b)
    for ra, rb in zip(_metrics(a), _metrics(b)):
        assert ra.keys() == rb.keys()
        for key in ra:
            both_nan = isinstance(ra[key], float) and math.isnan(ra[key]) and math.isnan(rb[key])
            assert both_nan or ra[key] == rb[key], key


def test_two_shards_through_submitit_equal_one_run(tmp_path, overrides):
    single, sharded = tmp_path / "single", tmp_path / "sharded"
    result = run_cli("benchmark", *overrides, f"hydra.run.dir={single}", timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    result = run_cli(
        "benchmark",
        "-m",
        *overrides,
        "shard.count=2",
        "shard.index=0,1",
        f"results_dir={sharded}",
        "hydra/launcher=submitit_local",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    one, two = (json.loads((d / "results.json").read_text()) for d in (single, sharded))
    assert [(r["method"], r["setting"], r["n"]) for r in two] == [("lmac", "in_domain", 3), ("lmac", "white_noise", 3)]
    _same(one, two)  # the merged table is the unsharded one: means, intervals, curves, sanity columns
    assert "rand_corr" in two[0] and "rand_corr" not in two[1]
    shard_rows = [read_rows(rows_path(sharded, f"{i}-of-2")) for i in (0, 1)]
    clips = [{(r["setting"], r["clip"]) for r in rows if r["kind"] == "clip"} for rows in shard_rows]
    assert clips[0] == {(s, i) for s in ("in_domain", "white_noise") for i in (0, 2)}  # clip i -> shard i % 2
    assert clips[1] == {(s, 1) for s in ("in_domain", "white_noise")}
    assert sorted(p.name for p in (sharded / "examples" / "in_domain" / "lmac").glob("*.json"))
    # merging the shard folder again, into another folder, gives the same table and brings the examples
    assert main(["benchmark", "merge", str(sharded), "--out", str(tmp_path / "merged")]) == 0
    _same(json.loads((tmp_path / "merged" / "results.json").read_text()), two)
    assert (tmp_path / "merged" / "examples" / "in_domain").is_dir()


def test_a_shard_waits_for_the_others_then_merge_combines_clip_rows(tmp_path, overrides, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    assert benchmark(_compose([*overrides, "shard.count=2", "shard.index=0"]), a) == []
    assert "written when the last shard finishes" in capsys.readouterr().out and not (a / "results.json").exists()
    with pytest.raises(IncompleteRun, match="missing 2 of 6 clip rows"):
        merge_runs([a], tmp_path / "out")
    assert benchmark(_compose([*overrides, "shard.count=2", "shard.index=1"]), b) == []  # no sanity rows on shard 1
    merged = merge_runs([a, b], tmp_path / "out")
    assert [r["n"] for r in merged] == [3, 3] and (tmp_path / "out" / "results.md").exists()
    # the intervals are those of the clips, not of the shards' means
    rows = read_rows(rows_path(a, "0-of-2")) + read_rows(rows_path(b, "1-of-2"))
    ff = [r["scores"]["ff"] for r in rows if r.get("kind") == "clip" and r["setting"] == "in_domain"]
    from lmac.benchmark import mean_ci

    assert (merged[0]["ff"], merged[0]["ff_ci95"]) == pytest.approx(mean_ci(sorted(ff)), abs=1e-12)
    # shards of another configuration are refused
    benchmark(_compose([*overrides, "shard.count=2", "shard.index=1", "runner.curve_steps=3"]), tmp_path / "c")
    with pytest.raises(ShardError, match="different benchmark configurations"):
        merge_runs([a, tmp_path / "c"], tmp_path / "out2")
    assert main(["benchmark", "merge", str(a)]) == 2 and "not complete" in capsys.readouterr().err


def test_a_restarted_run_skips_the_clips_it_did(tmp_path, overrides):
    run = tmp_path / "run"
    cfg = _compose(overrides)
    first = benchmark(cfg, run)
    path = rows_path(run, "0-of-1")
    lines = path.read_text().splitlines(keepends=True)
    assert len(lines) == 1 + 6 + 1  # plan, 2 settings x 3 clips, 1 sanity row
    path.write_text("".join(lines[:3]) + lines[3][:25])  # killed while writing the third clip's row
    for name in ("results.json", "results.csv", "results.md"):
        (run / name).unlink()
    again = benchmark(cfg, run)
    rows = read_rows(path)
    assert [json.dumps(r) for r in rows[:3]] == [line.strip() for line in lines[:3]]  # kept, not run again
    keys = [(r["setting"], r["clip"]) for r in rows if r["kind"] == "clip"]
    assert len(keys) == len(set(keys)) == 6
    _same(first, again)
    assert records_from_rows(rows) == again
    with pytest.raises(ShardError, match="another benchmark configuration"):
        benchmark(_compose([*overrides, "runner.curve_steps=3"]), run)
