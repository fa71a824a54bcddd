"""Shards split any list once and for all; JSON-lines rows survive a kill mid-write."""

import json
import math

import pytest

from lmac.sharding import RowWriter, Shard, ShardError, read_rows


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_every_item_goes_to_exactly_one_shard(count):
    items = [f"clip{i}" for i in range(20)]
    picked = [pos for index in range(count) for pos, _ in Shard(index, count).select(items)]
    assert sorted(picked) == list(range(20))  # each once
    assert [pos for pos, _ in Shard(0, count).select(items)] == [pos for pos, _ in Shard(0, count).select(items)]
    sizes = [len(Shard(index, count).select(items)) for index in range(count)]
    assert max(sizes) - min(sizes) <= 1


def test_shard_parse_and_bad_shards():
    assert Shard.parse("1/4") == Shard(1, 4) and Shard.parse("1/4").name == "1-of-4"
    for bad in ("4/4", "-1/2", "1", "a/b", "0/0"):
        with pytest.raises(ShardError):
            Shard.parse(bad)
    with pytest.raises(ShardError, match="index must be in"):
        Shard(2, 2)


def test_a_line_torn_by_a_kill_is_dropped_and_cut_off(tmp_path):
    path = tmp_path / "rows" / "0-of-1.jsonl"
    assert read_rows(path) == []
    with RowWriter(path) as rows:
        rows.write({"clip": 0, "score": math.nan})
        rows.write({"clip": 1, "score": 0.5})
    with open(path, "a") as f:
        f.write('{"clip": 2, "sco')  # the process died here
    assert [r["clip"] for r in read_rows(path)] == [0, 1] and math.isnan(read_rows(path)[0]["score"])
    with RowWriter(path) as rows:  # the restarted process appends after the last whole line
        rows.write({"clip": 2, "score": 1.0})
    assert read_rows(path) == [read_rows(path)[0], {"clip": 1, "score": 0.5}, {"clip": 2, "score": 1.0}]
    path.write_text(json.dumps({"clip": 0}) + "\nnot json\n" + json.dumps({"clip": 1}) + "\n")
    with pytest.raises(ShardError, match="line 2"):
        read_rows(path)


def test_a_writer_that_writes_nothing_leaves_no_file(tmp_path):
    with RowWriter(tmp_path / "sub" / "rows.jsonl"):
        pass
    assert not (tmp_path / "sub").exists()
