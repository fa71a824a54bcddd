import csv
import json
import math

import pytest

from lmac.benchmark import mean_ci, summarize, to_markdown, write_results


def test_mean_ci_hand_computed():
    mean, half = mean_ci([1.0, 2.0, 3.0])
    # std = 1, t(0.975, df=2) = 4.3027: half-width 4.3027 / sqrt(3) = 2.4841.
    assert mean == 2.0 and half == pytest.approx(2.4841, abs=1e-4)
    assert mean_ci([5.0, float("nan")]) == (5.0, 0.0)
    assert all(math.isnan(v) for v in mean_ci([]))


def test_summarize_and_write_results(tmp_path):
    record = summarize(
        "m",
        "s",
        {"ad": [10.0, 30.0], "si_sdr": [float("nan"), 2.0]},
        seconds=[0.2, 0.4, 0.3],
        classifier_seconds=[0.01, 0.02, 0.03],
    )
    assert record["n"] == 3 and record["ad"] == 20 and record["si_sdr"] == 2 and record["si_sdr_n"] == 1
    assert record["seconds_median"] == 0.3 and record["ratio_to_classifier"] == pytest.approx(15.0)
    other = {**record, "method": "n", "rand_corr": float("nan")}
    paths = write_results([record, other], tmp_path)
    assert [p.name for p in paths] == ["results.json", "results.csv", "results.md"]
    loaded = json.loads(paths[0].read_text())
    assert loaded[0]["method"] == "m" and loaded[1]["rand_corr"] is None
    rows = list(csv.DictReader(paths[1].open()))
    assert rows[1]["method"] == "n" and float(rows[0]["ad"]) == 20
    table = to_markdown([record, other])
    assert "| m | s | 3 | 20.0 ± " in table and "AD ↓" in table and "SI-SDR ↑" in table and "15.0" in table
    assert paths[2].read_text().strip() == table
