"""Issue 23, goal 5 (benches that cannot flatter): every bench in bench/
prints the load average at its start and end through bench/loadavg.py
(which marks a run busy above 1.0), and has its one command documented
under "How to run" in bench/RESULTS.md. Benches are not run here: no
timed assertion in tests."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
HELPERS = {"harness.py", "loadavg.py", "webhook_site.py"}  # imported by benches, not run
BENCHES = sorted(p.name for p in BENCH.glob("*.py") if p.name not in HELPERS)


@pytest.mark.parametrize("name", BENCHES)
def test_point5_every_bench_prints_the_load_average_at_start_and_end(name):
    source = (BENCH / name).read_text()
    assert "print(describe())" in source and 'print(describe("at end"))' in source


@pytest.mark.parametrize("name", BENCHES)
def test_point5_every_bench_has_its_command_under_how_to_run(name):
    results = (BENCH / "RESULTS.md").read_text()
    how_to_run = results.split("## How to run", 1)[1].split("\n## ", 1)[0]
    assert f"python bench/{name}" in how_to_run
    assert f"python bench/{name}" in (BENCH / name).read_text(), "the same command in its docstring"


def test_point5_a_run_above_a_load_of_one_is_marked_busy(monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_loadavg", BENCH / "loadavg.py")
    loadavg = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loadavg)
    monkeypatch.setattr(loadavg.os, "getloadavg", lambda: (1.5, 0.5, 0.2))
    assert "BUSY" in loadavg.describe()
    monkeypatch.setattr(loadavg.os, "getloadavg", lambda: (0.4, 0.5, 0.2))
    assert "BUSY" not in loadavg.describe() and "quiet" in loadavg.describe("at end")
