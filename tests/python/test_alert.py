"""alert/: levels, policy, plan, grade, AlertBoard — mirrors tests/cpp/alert/."""

import datetime as dt
import pickle
import threading

import numpy as np
import pandas as pd
import pytest

import crisiskit as ck

H = 3600


# ---- levels -------------------------------------------------------------------
def test_levels_are_an_int_enum_with_the_documented_numbers():
    L = ck.AlertLevel
    assert [int(x) for x in L] == [0, 1, 2, 3, 4]
    assert [x.name for x in L] == ["NONE", "GENERAL", "ATTENTION", "WARNING", "EMERGENCY"]
    assert L.WARNING > L.ATTENTION and L(4) is L.EMERGENCY
    assert [ck.name_zh(x) for x in L] == ["无", "一般", "关注", "预警", "紧急"]
    assert ck.alert_level("预警") is L.WARNING and ck.alert_level("emergency") is L.EMERGENCY
    assert ck.alert_level(2) is L.ATTENTION
    with pytest.raises(ValueError):
        ck.alert_level(7)
    assert pickle.loads(pickle.dumps(L.WARNING)) is L.WARNING


def test_national_scale_and_cap_mapping():
    L, C = ck.AlertLevel, ck.WarningColor
    assert [ck.warning_color(x) for x in L] == [C.NONE, C.BLUE, C.YELLOW, C.ORANGE, C.RED]
    assert [ck.national_grade(x) for x in L] == [0, 4, 3, 2, 1]
    assert ck.national_grade_roman(L.EMERGENCY) == "Ⅰ"
    sev = [ck.cap_codes(x)["severity"] for x in L]
    assert sev == ["Minor", "Minor", "Moderate", "Severe", "Extreme"]
    assert ck.cap_codes(L.EMERGENCY)["urgency"] == "Immediate"
    assert ck.cap_codes(L.NONE)["responseType"] == "AllClear"


# ---- policy and plan ----------------------------------------------------------
def test_policy_defaults_and_validation():
    p = ck.GradingPolicy()
    assert p.thresholds == (25, 50, 75, 90)
    assert p.margins == (5, 5, 5, 5)
    assert p.dwells == (2 * H, 4 * H, 12 * H, 12 * H)
    q = ck.GradingPolicy(thresholds=[10, 20, 30, 40], dwells=[dt.timedelta(hours=1)] * 4)
    assert q.dwells == (H,) * 4 and q != p
    assert pickle.loads(pickle.dumps(q)) == q
    assert "GradingPolicy(thresholds=(10, 20, 30, 40)" in repr(q)
    for bad, pat in [
        (dict(thresholds=[10, 20, 20, 40]), r"thresholds\[2\] = 20"),
        (dict(thresholds=[np.nan, 20, 30, 40]), r"thresholds\[0\] = nan"),
        (dict(thresholds=[10, 20, 30]), "must hold 4 values"),
        (dict(thresholds=[10, "x", 30, 40]), r"thresholds\[1\]"),
        (dict(margins=[0, -1, 0, 0]), r"margins\[1\] = -1"),
        (dict(margins=[0, 0, float("nan"), 0]), r"margins\[2\]"),
        (dict(dwells=[0, 0, 0, -5]), r"dwells\[3\] = -5"),
    ]:
        with pytest.raises(ValueError, match=pat):
            ck.GradingPolicy(**bad)


def test_response_plan():
    p = ck.ResponsePlan.defaults()
    ob = p.obligations(ck.AlertLevel.GENERAL)
    assert [(o.name, o.name_zh, o.within) for o in ob] == [("information report", "信息报送", 2 * H)]
    assert p.obligations(ck.AlertLevel.EMERGENCY)[0].within == 0
    assert p.obligations(ck.AlertLevel.WARNING)[0].within == 12 * H
    assert not p.cumulative
    p.set(ck.AlertLevel.WARNING, [ck.ObligationSpec("evacuate", "转移", within=dt.timedelta(hours=6))])
    assert p != ck.ResponsePlan.defaults()
    assert pickle.loads(pickle.dumps(p)) == p
    with pytest.raises(ValueError):
        p.set(ck.AlertLevel.NONE, [ck.ObligationSpec("x")])
    with pytest.raises(ValueError, match="within"):
        ck.ObligationSpec("x", within=-1)
    assert ck.ResponsePlan().obligations(1) == []


# ---- grade --------------------------------------------------------------------
def test_grade_matches_numpy_searchsorted_on_random_cases():
    rng = np.random.default_rng(11)
    for _ in range(100):
        t = np.sort(rng.uniform(-10, 110, 4))
        if len(np.unique(t)) < 4:
            continue
        n = int(rng.integers(0, 20000))
        s = rng.uniform(-20, 120, n)
        s[: min(n, 4)] = t[: min(n, 4)]  # exact hits count as reached
        p = ck.GradingPolicy(thresholds=t, margins=[0] * 4, dwells=[0] * 4)
        got = ck.grade(s, p)
        assert got.dtype == np.int8
        np.testing.assert_array_equal(got, np.searchsorted(t, s, side="right"))


def test_grade_inputs_and_errors():
    p = ck.GradingPolicy()
    np.testing.assert_array_equal(ck.grade([0, 25, 90]), [0, 1, 4])  # lists convert
    np.testing.assert_array_equal(ck.grade(np.array([0, 25, 90], dtype=np.int32)), [0, 1, 4])
    strided = np.arange(0, 100, 0.5)[::3]
    np.testing.assert_array_equal(ck.grade(strided, p), np.searchsorted(p.thresholds, strided, side="right"))
    out = np.empty(3, dtype=np.int8)
    assert ck.grade(np.array([95.0, 10, 50]), p, out=out) is not None
    np.testing.assert_array_equal(out, [4, 0, 2])
    assert ck.grade(np.array([np.inf, -np.inf])).tolist() == [4, 0]
    assert ck.grade(np.empty(0)).shape == (0,)
    with pytest.raises(ValueError, match=r"scores\[5000\] = nan"):
        s = np.full(10000, 50.0)
        s[5000] = s[7000] = np.nan
        ck.grade(s)
    with pytest.raises(ValueError, match="one-dimensional"):
        ck.grade(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="out"):
        ck.grade(np.zeros(3), out=np.empty(4, dtype=np.int8))
    with pytest.raises(ValueError, match="out"):
        ck.grade(np.zeros(3), out=np.empty(3, dtype=np.int64))
    with pytest.raises(ValueError, match="scores"):
        ck.grade(["a", "b"])


# ---- AlertBoard ---------------------------------------------------------------
class Reference:
    """A plain-Python model of the grading rule, recomputed from full histories."""

    def __init__(self, policy):
        self.t = policy.thresholds
        self.rel = [t - m for t, m in zip(policy.thresholds, policy.margins)]
        self.d = policy.dwells
        self.hist = {}
        self.level = {}

    def step(self, sid, time, x):
        h = self.hist.setdefault(sid, [])
        h.append((time, x))
        L = self.level.get(sid, 0)
        raw = sum(x >= t for t in self.t)
        if raw > L:
            L = raw
        else:
            while L > raw:
                j = len(h)
                while j > 0 and h[j - 1][1] < self.rel[L - 1]:
                    j -= 1
                if j == len(h) or time - h[j][0] < self.d[L - 1]:
                    break
                L -= 1
        self.level[sid] = L
        return L


def test_board_agrees_with_a_python_reference_on_random_walks(t0):
    rng = np.random.default_rng(5)
    for _ in range(15):
        t = np.sort(rng.uniform(0, 100, 4))
        p = ck.GradingPolicy(thresholds=t, margins=rng.uniform(0, 10, 4), dwells=rng.integers(0, 6, 4) * H)
        board, ref = ck.AlertBoard(p), Reference(p)
        ids = np.array([f"s{i}" for i in range(25)])
        x = rng.uniform(0, 100, len(ids))
        now = t0
        for _ in range(120):
            now += int(rng.integers(0, 3 * H))
            x = np.clip(x + rng.uniform(-15, 15, len(ids)), -5, 105)
            board.update(ids, x, now)
            expect = [ref.step(i, now, v) for i, v in zip(ids, x)]
            assert board.levels.tolist() == expect


def test_escalation_obligations_and_history(t0):
    b = ck.AlertBoard()
    s = b.update(["a", "b", "c"], [10, 80, 95], t0)
    assert (s.updated, s.new_subjects, s.escalated, s.obligations_opened) == (3, 3, 2, 2)
    assert b.level("b") is ck.AlertLevel.WARNING
    ob = b.obligations()
    assert list(ob["name_zh"]) == ["应急准备", "全员响应"]
    assert (ob["due"] - ob["opened"]).tolist() == [pd.Timedelta(hours=12), pd.Timedelta(0)]
    assert str(ob["due"].dt.tz) == "UTC"
    h = b.history()
    assert list(h.columns) == ["subject", "time", "from_level", "to_level", "to_name", "score", "reason"]
    assert list(h["subject"]) == ["b", "c"]
    assert list(b.history("c")["to_name"]) == ["EMERGENCY"]
    st = b.state("b")
    assert st.level is ck.AlertLevel.WARNING and st.since == pd.Timestamp(t0, unit="s", tz="UTC")
    df = b.states()
    assert df.loc["c", "level_name"] == "EMERGENCY" and df.index.name == "id"
    assert b.ids == ["a", "b", "c"] and len(b) == 3 and "a" in b


def test_hysteresis_holds_against_oscillation(t0):
    b = ck.AlertBoard()
    b.update(["p"], [76], t0)
    for h in range(1, 49):
        b.update(["p"], [74 if h % 2 else 76], t0 + h * H)
    assert b.level("p") is ck.AlertLevel.WARNING and len(b.history("p")) == 1
    for h in range(49, 62):
        b.update(["p"], [30], t0 + h * H)
    assert b.level("p") is ck.AlertLevel.GENERAL


def test_bad_updates_change_nothing(t0):
    b = ck.AlertBoard()
    b.update(["a", "b"], [50, 10], t0 + 100)
    before = b.to_bytes()
    cases = [
        ((["a", "c"], [1, np.nan], t0 + 200), r"scores\[1\] = nan"),
        ((["c", "b"], [1, 2], t0 + 50), "time must not go backwards"),
        ((["a", "c", "a"], [1, 2, 3], t0 + 200), r"ids\[2\] = 'a': appears more than once"),
        ((["c", "c"], [1, 2], t0 + 200), "more than once"),
        ((["c", ""], [1, 2], t0 + 200), r"ids\[1\] = '': an id must not be empty"),
        ((["c", 5], [1, 2], t0 + 200), r"ids\[1\] = 5: an id must be a str"),
        ((["c"], [1, 2], t0 + 200), "they must match"),
        ((["c"], [[1]], t0 + 200), "one-dimensional"),
        (("c", [1], t0 + 200), "not a single string"),
        ((["c"], [1], dt.datetime(2030, 1, 1)), "naive"),
        ((["c"], ["high"], t0 + 200), "scores"),
    ]
    for args, pat in cases:
        with pytest.raises(ValueError, match=pat):
            b.update(*args)
    with pytest.raises(ValueError, match="subject index"):
        b.update_indices([0, 9], [1, 2], t0 + 200)
    assert b.to_bytes() == before and len(b) == 2


def test_id_containers(t0):
    b = ck.AlertBoard()
    b.update(np.array(["社区一", "b"]), np.array([30.0, 60.0]), t0)  # numpy unicode
    b.update(pd.Series(["社区一", "b"]), [30.0, 60.0], t0 + 1)  # pandas (str / object dtype)
    b.update(np.array(["社区一", "b"], dtype=object), [30.0, 60.0], t0 + 2)
    b.update(("b",), [61.0], t0 + 3)
    assert b.ids == ["社区一", "b"]
    idx = b.index(["b", "社区一"])
    assert idx.dtype == np.int64 and idx.tolist() == [1, 0]
    b.update_indices(idx, np.array([95.0, 10.0]), t0 + 4)
    assert b.level("b") is ck.AlertLevel.EMERGENCY
    with pytest.raises(ValueError, match="unknown id"):
        b.index(["zz"])


def test_obligation_lifecycle_and_overdue(t0):
    b = ck.AlertBoard()
    b.update(["a", "b"], [30, 60], t0)
    assert b.overdue(t0 + 2 * H).empty  # at the due instant: not late
    od = b.overdue(t0 + 2 * H + 1)
    assert list(od["subject"]) == ["a"] and od["late_by"].iloc[0] == pd.Timedelta(seconds=1)
    b.acknowledge(0, t0 + 60, actor="值班员")
    b.complete(0, t0 + 120, actor="值班员")
    ob = b.obligations()
    assert ob.loc[0, "status"] == "COMPLETED" and ob.loc[0, "completed_by"] == "值班员"
    assert ob.loc[1, "status"] == "OPEN" and pd.isna(ob.loc[1, "completed_at"])
    with pytest.raises(ck.StateError):
        b.complete(0, t0 + 130)
    with pytest.raises(ValueError, match="unknown obligation"):
        b.acknowledge(7, t0)
    with pytest.raises(ValueError, match="before obligation 1 was opened"):
        b.complete(1, t0 - 1)
    assert len(b.obligations("b")) == 1
    assert list(b.obligations(at=t0 + 5 * H)["late_by"].isna()) == [True, False]


def test_overdue_escalation(t0):
    b = ck.AlertBoard(escalate_overdue=True)
    assert b.escalates_overdue
    b.update(["a"], [30], t0)
    b.update(["a"], [30], t0 + 3 * H)
    assert b.level("a") is ck.AlertLevel.ATTENTION
    assert b.history("a")["reason"].tolist() == ["SCORE", "OVERDUE"]
    b.update(["a"], [30], t0 + 4 * H)
    assert b.level("a") is ck.AlertLevel.ATTENTION  # once per obligation
    c = ck.AlertBoard()  # off: explicit call
    c.update(["a"], [30], t0)
    s = c.escalate_overdue(t0 + 3 * H)
    assert s.escalated == 1 and c.level("a") is ck.AlertLevel.ATTENTION


def test_pickle_and_bytes_restore_exactly(t0):
    b = ck.AlertBoard(ck.GradingPolicy(thresholds=[10, 20, 30, 40]), escalate_overdue=True)
    rng = np.random.default_rng(1)
    for h in range(30):
        b.update([f"p{i}" for i in range(40)], rng.uniform(0, 50, 40), t0 + h * H)
    b.acknowledge(0, t0 + 10, "x")
    c = pickle.loads(pickle.dumps(b))
    assert c.to_bytes() == b.to_bytes()
    assert c.policy == b.policy and c.plan == b.plan and c.escalates_overdue
    pd.testing.assert_frame_equal(c.history(), b.history())
    pd.testing.assert_frame_equal(c.obligations(), b.obligations())
    data = b.to_bytes()
    for cut in range(0, len(data), max(1, len(data) // 50)):
        with pytest.raises(ValueError, match="state"):
            ck.AlertBoard.from_bytes(data[:cut])


def test_one_board_two_threads_never_races(t0):
    b = ck.AlertBoard()
    ids = np.array([f"p{i}" for i in range(300_000)])
    scores = np.random.default_rng(0).uniform(0, 100, ids.size)
    errors = []

    def writer():
        k = 0
        while k < 5:
            try:
                b.update(ids, scores, t0 + k)
                k += 1
            except ck.StateError:  # the reader holds it this instant: retry
                pass

    th = threading.Thread(target=writer)
    th.start()
    busy = 0
    while th.is_alive():
        try:
            len(b.history())
        except ck.StateError:
            busy += 1
        except Exception as e:  # pragma: no cover
            errors.append(e)
    th.join()
    assert not errors
    assert len(b) == ids.size


def test_repr(t0):
    b = ck.AlertBoard()
    b.update(["a", "b"], [0, 95], t0)
    assert repr(b) == "AlertBoard(2 subjects: 1 NONE, 1 EMERGENCY; 1 transitions; 1 obligations, 1 open)"
    assert "<table>" in b._repr_html_()
    assert "escalated=1" in repr(b.update(["a"], [30], t0 + 1))
