"""The README's flagship command, the CLI, and the typed surface."""

import os
import shutil
import subprocess
import sys

import pytest

import crisiskit as ck
from crisiskit import cli, demo


def test_demo_prints_the_timeline_and_writes_valid_cap(tmp_path, capsys):
    assert cli.main(["grading-demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "ALERT TIMELINE (+08:00)" in out
    assert "信息报送 information report" in out and "全员响应 full response, immediately" in out
    assert "OVERDUE" in out  # the forgotten nursing-home report escalates
    files = sorted(os.listdir(tmp_path / "cap"))
    assert len(files) > 10 and all(f.endswith(".xml") for f in files)
    assert (tmp_path / "timeline.csv").exists()
    assert cli.main(["cap-check", *[str(tmp_path / "cap" / f) for f in files]]) == 0
    assert "schema valid" in capsys.readouterr().out


def test_demo_is_deterministic():
    a = demo.run(out_dir=None)
    b = demo.run(out_dir=None)
    assert a.board.to_bytes() == b.board.to_bytes()
    reasons = set(a.timeline["reason"])
    assert reasons == {"SCORE", "OVERDUE"}
    assert set(a.timeline["to_name"]) >= {"GENERAL", "ATTENTION", "WARNING", "EMERGENCY", "NONE"}


def test_console_script_and_module_entry_points(tmp_path):
    exe = shutil.which("crisiskit", path=os.path.dirname(sys.executable))
    assert exe, "console script not installed"
    r = subprocess.run([exe, "demo", "--grading", "--out", str(tmp_path / "a")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, "-m", "crisiskit", "grading-demo", "--out", str(tmp_path / "b")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


def test_grade_cli(tmp_path, capsys):
    p = tmp_path / "s.csv"
    p.write_text("place,score\na,10\nb,50\nc,95\n")
    assert cli.main(["grade", str(p)]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ["a,10,0", "b,50,2", "c,95,4"]
    p.write_text("place,score\na,10\nb,\n")
    assert cli.main(["grade", str(p)]) == 2
    assert "scores[1] = nan" in capsys.readouterr().err


def test_stubs_are_shipped_and_type_check(tmp_path):
    pkg = os.path.dirname(ck.__file__)
    assert os.path.exists(os.path.join(pkg, "py.typed"))
    assert os.path.exists(os.path.join(pkg, "_core.pyi"))
    mypy = pytest.importorskip("mypy.api")
    prog = tmp_path / "use.py"
    prog.write_text(
        "import numpy as np\n"
        "import crisiskit as ck\n"
        "b = ck.AlertBoard(ck.GradingPolicy(thresholds=(10, 20, 30, 40)))\n"
        "s: ck.UpdateSummary = b.update(['a'], np.array([1.0]), 0)\n"
        "lv: ck.AlertLevel = b.level('a')\n"
        "x: np.ndarray = ck.grade(np.zeros(3))\n"
        "msgs: list[ck.CapAlert] = b.cap_messages(offset='+08:00')\n"
        "xml: str = ck.to_cap(msgs[0]) if msgs else ''\n"
    )
    bad = tmp_path / "bad.py"
    bad.write_text("import crisiskit as ck\nn: str = ck.AlertBoard().num_transitions\n")
    out, err, code = mypy.run([str(prog), "--no-incremental", "--cache-dir", str(tmp_path / ".mypy")])
    assert code == 0, out + err
    out, err, code = mypy.run([str(bad), "--no-incremental", "--cache-dir", str(tmp_path / ".mypy")])
    assert code == 1 and "incompatible types" in out.lower(), out


def test_stubs_match_the_runtime_module():
    stubtest = pytest.importorskip("mypy.stubtest")
    # --ignore-missing-stub would hide drift; only pybind11's own dunders are allowed.
    allow = os.path.join(os.path.dirname(__file__), "stubtest_allowlist.txt")
    code = stubtest.test_stubs(stubtest.parse_options(["crisiskit._core", "--allowlist", allow]))
    assert code == 0


def test_python_example_runs():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python", "grading.py")
    r = subprocess.run([sys.executable, path], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "<msgType>Alert</msgType>" in r.stdout and "EMERGENCY" in r.stdout


def test_risk_map_example_runs():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python", "risk_map.py")
    r = subprocess.run([sys.executable, path], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "hazard" in r.stdout and "p_any" in r.stdout and "HawkesModel" in r.stdout


def test_severity_example_runs():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python", "severity.py")
    r = subprocess.run([sys.executable, path], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "level=WARNING" in r.stdout and "重大 (Ⅱ, WARNING)" in r.stdout and "population_growth" in r.stdout


def test_matching_example_runs():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python", "matching.py")
    r = subprocess.run([sys.executable, path], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "cut_off_by_damage" in r.stdout and "served_higher_priority" in r.stdout and "min share" in r.stdout


def test_ledger_example_runs():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python", "ledger.py")
    r = subprocess.run([sys.executable, path], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "refused: invalid quantity = 100" in r.stdout
    assert "entry 3 is in the log: True; the log only grew since the published root: True" in r.stdout
    assert "LedgerVerification(ok, 8 entries" in r.stdout
