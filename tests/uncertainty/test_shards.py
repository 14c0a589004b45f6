"""A sweep split into shards and merged gives exactly one run's result; the tornado reuses the
samples as drawn; batch and tornado sizes; the workers are bounded by the machine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builders import VARIED_RISKS, run_cli, with_risks
from capplan.errors import InputError
from capplan.inputs.load import load
from capplan.uncertainty.samples import solve_samples
from capplan.uncertainty.shards import merge, parse_shard, read_shard, run_shard, write_shard
from capplan.uncertainty.summary import p50_finish
from capplan.uncertainty.sweep import (
    batch_size,
    check_workers,
    default_tornado,
    machine_cores,
    prepare,
    sweep,
    sweep_tasks,
    tornado_runs,
)


def test_shards_merged_equal_one_run(tmp_path: Path) -> None:
    """Twelve samples with a tornado of 6, in batches of 2, split 3 ways: each shard file
    holds every third task; merged, every table equals the one-run sweep's."""
    loaded = load(with_risks(tmp_path, VARIED_RISKS))
    one = sweep(loaded, 12, seed=9, tornado_samples=6, batch=2)
    paths = []
    for k in (1, 2, 3):
        shard = run_shard(loaded, 12, 9, (k, 3), tornado_samples=6, batch=2)
        paths.append(tmp_path / f"s{k}.json")
        write_shard(shard, paths[-1])
        assert sorted(shard.results) == list(range(k - 1, len(shard.results) * 3 + 2, 3))[
            :len(shard.results)]
    _, merged, _ = merge(lambda h: loaded, list(reversed(paths)))
    for name in ("summary", "yearly", "fan", "samples", "tornado"):
        assert getattr(merged, name).equals(getattr(one, name)), name
    with pytest.raises(InputError, match="2/3 missing"):
        merge(lambda h: loaded, [paths[0], paths[2]])
    with pytest.raises(InputError, match="more than once"):
        merge(lambda h: loaded, [paths[0], paths[0], paths[1]])
    other = run_shard(loaded, 12, 10, (2, 3), tornado_samples=6, batch=2)
    write_shard(other, tmp_path / "other.json")
    with pytest.raises(InputError, match="seed"):
        merge(lambda h: loaded, [paths[0], tmp_path / "other.json", paths[2]])
    assert read_shard(paths[1]).shard == 2


def test_shard_and_merge_from_the_command_line(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """`capplan sweep ... --shard K/2` twice, then `capplan sweep merge`: the JSON document
    of the merged sweep equals the one-run document (timing aside). The number of solves is
    said up front on standard error, and progress lines follow (not a terminal)."""
    instance = str(with_risks(tmp_path, VARIED_RISKS))
    common = ["--samples", "6", "--seed", "4", "--workers", "1", "--no-ledger"]
    code, one, err = run_cli(capsys, monkeypatch, "sweep", instance, *common, "-f", "json")
    assert code == 0, err
    # 6 samples, tornado 6: each of the two risks adds one side's 6 solves
    assert "sweep: 18 solves (6 samples and 12 for the tornado)" in err
    assert "sweep: 18/18 solves" in err
    for k in (1, 2):
        code, _, err = run_cli(capsys, monkeypatch, "sweep", instance, *common, "--shard",
                               f"{k}/2", "--out", str(tmp_path / f"shard{k}.json"))
        assert code == 0, err
    code, merged, err = run_cli(capsys, monkeypatch, "sweep", "merge",
                                str(tmp_path / "shard1.json"), str(tmp_path / "shard2.json"),
                                "-f", "json", "--no-ledger")
    assert code == 0, err
    a, b = json.loads(one), json.loads(merged)
    a.pop("timing"), b.pop("timing")
    assert a == b
    code, _, err = run_cli(capsys, monkeypatch, "sweep", instance, *common, "--shard", "3/2")
    assert code == 2 and "K/N" in err


def test_tornado_reuses_the_samples_as_drawn(tmp_path: Path) -> None:
    """Per risk and side, the tornado's runs are the samples solved with the risk forced that
    way: solving all of them afresh gives the same finishes; only the side a sample does not
    have as drawn is a task (so the tornado solves half of what forcing both would)."""
    loaded = load(with_risks(tmp_path, VARIED_RISKS))
    context, _, _, _ = prepare(loaded, 3, "highs")
    count = 8
    tasks = sweep_tasks(context, count, count, 4)
    forced_solves = sum(len(t.indices) for t in tasks if t.forced)
    assert forced_solves == 2 * count  # two risks, each sample on one side already
    results = [r for t in tasks for r in solve_samples(context, t.indices, t.forced)]
    runs = tornado_runs(context, results, count, count)
    for (k, on), got in runs.items():
        fresh = solve_samples(context, list(range(count)), ((k, on),))
        assert [r.finish for r in got] == [r.finish for r in fresh]
        assert p50_finish(got, loaded.instance.calendar) == p50_finish(
            fresh, loaded.instance.calendar)


def test_sizes() -> None:
    """Tornado: a tenth of the samples within 10..100 (never more than the samples); batches
    of 10 up to 20,000 samples, 50 at 100,000 (2,000 tasks), at most 100."""
    assert [default_tornado(n) for n in (5, 100, 500, 1000, 100_000)] == [5, 10, 50, 100, 100]
    assert [batch_size(n) for n in (100, 20_000, 100_000, 10**7)] == [10, 10, 50, 100]
    assert parse_shard("3/100") == (3, 100)
    for bad in ("0/3", "4/3", "x", "1/0"):
        with pytest.raises(InputError):
            parse_shard(bad)


def test_workers_bounded_by_the_machine() -> None:
    """More processes than cores here is refused (exit 2 from the command line), unless a
    remote Dask cluster runs them."""
    cores = machine_cores()
    assert check_workers(None, None) == cores
    assert check_workers(cores, "local") == cores
    with pytest.raises(InputError, match="cores"):
        check_workers(cores + 1, None)
    assert check_workers(cores + 1, "tcp://10.0.0.1:8786") == cores + 1

def test_too_many_workers_exit_2(capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    cores = machine_cores()
    code, _, err = run_cli(capsys, monkeypatch, "sweep", "groningen-2024", "--workers",
                           str(cores + 1), "--no-ledger")
    assert code == 2 and f"more than this machine's {cores} cores" in err
