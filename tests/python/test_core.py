"""core/: time at the boundary, ids, the error model."""

import datetime as dt
import pickle

import numpy as np
import pandas as pd
import pytest

import crisiskit as ck

UTC = dt.timezone.utc


def test_every_accepted_time_form_gives_the_same_seconds():
    t = ck.parse_time("2026-07-20T08:00:00+08:00")
    assert t == int(dt.datetime(2026, 7, 20, 0, 0, tzinfo=UTC).timestamp())
    forms = [
        t,
        np.int64(t),
        np.datetime64("2026-07-20T00:00:00"),
        np.datetime64("2026-07-20T00:00:00.999999999"),  # floored
        dt.datetime(2026, 7, 20, 8, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        pd.Timestamp("2026-07-20 08:00", tz="Asia/Shanghai"),
        pd.Timestamp("2026-07-19 20:00", tz="America/New_York"),
        "2026-07-20T00:00:00Z",
    ]
    for f in forms:
        assert ck.to_seconds(f) == t, f


def test_naive_times_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="naive datetime has no time zone"):
        ck.to_seconds(dt.datetime(2026, 7, 20, 8))
    with pytest.raises(ValueError, match="naive"):
        ck.to_seconds(pd.Timestamp("2026-07-20 08:00"))
    with pytest.raises(ValueError, match="offset is missing"):
        ck.to_seconds("2026-07-20T08:00:00")
    with pytest.raises(ValueError, match="NaT"):
        ck.to_seconds(np.datetime64("NaT"))
    with pytest.raises(ValueError, match="NaT"):
        ck.to_seconds(pd.NaT)
    with pytest.raises(ValueError):
        ck.to_seconds(1.5)
    with pytest.raises(ValueError):
        ck.to_seconds(True)
    with pytest.raises(ValueError, match="date has no time"):
        ck.to_seconds(dt.date(2026, 7, 20))


def test_time_arrays():
    idx = pd.date_range("2026-07-20", periods=5, freq="h", tz="Asia/Shanghai")
    s = ck.to_seconds_array(pd.Series(idx))
    assert s.dtype == np.int64
    assert list(np.diff(s)) == [3600] * 4
    assert s[0] == ck.parse_time("2026-07-20T00:00:00+08:00")
    assert (ck.to_seconds_array(idx.tz_convert("UTC").tz_localize(None).to_numpy()) == s).all()
    with pytest.raises(ValueError, match="naive"):
        ck.to_seconds_array(pd.Series(idx.tz_localize(None)))
    with pytest.raises(ValueError, match=r"times\[1\] = NaT"):
        ck.to_seconds_array(np.array(["2026-07-20", "NaT"], dtype="datetime64[s]"))
    with pytest.raises(ValueError, match=r"times\[1\]"):
        ck.to_seconds_array([dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(2026, 1, 1)])


def test_format_time_writes_offsets():
    assert ck.format_time(0) == "1970-01-01T00:00:00+00:00"
    assert ck.format_time(0, "+08:00") == "1970-01-01T08:00:00+08:00"
    assert ck.format_time(0, -330) == "1969-12-31T18:30:00-05:30"
    assert ck.format_time(pd.Timestamp("2026-07-20", tz="UTC"), "+08:00") == "2026-07-20T08:00:00+08:00"
    with pytest.raises(ValueError, match="offset"):
        ck.format_time(0, "+25:00")
    with pytest.raises(ValueError):
        ck.format_time(0, 24 * 60)


def test_format_and_parse_agree_with_the_standard_library():
    rng = np.random.default_rng(3)
    for t in rng.integers(-2_000_000_000, 5_000_000_000, 500):
        off = int(rng.integers(-14 * 60, 14 * 60))
        text = ck.format_time(int(t), off)
        ref = dt.datetime.fromtimestamp(int(t), dt.timezone(dt.timedelta(minutes=off))).isoformat()
        assert text == ref
        assert ck.parse_time(text) == t


def test_durations():
    assert ck.to_duration(dt.timedelta(hours=2)) == 7200
    assert ck.to_duration(np.timedelta64(30, "m")) == 1800
    assert ck.to_duration(pd.Timedelta("4h")) == 14400
    assert ck.to_duration(90.7) == 90
    with pytest.raises(ValueError):
        ck.to_duration(float("nan"))


def test_id_map():
    m = ck.IdMap(["b", "a", "b", "社区7"])
    assert len(m) == 3
    assert m.ids == ["b", "a", "社区7"]
    assert list(m.index(["a", "社区7"])) == [1, 2]
    assert list(m.index(np.array(["社区7", "b"]))) == [2, 0]
    assert m.find("zz") is None
    assert "a" in m and "zz" not in m and 3 not in m
    with pytest.raises(ValueError, match=r"ids\[1\] = 'zz': unknown id"):
        m.index(["a", "zz"])
    with pytest.raises(ValueError, match="empty"):
        m.insert("")
    with pytest.raises(ValueError, match=r"ids\[1\].*must be a str"):
        ck.IdMap(["a", 3])
    assert pickle.loads(pickle.dumps(m)) == m
    assert "3 ids" in repr(m)


def test_invalid_input_carries_field_index_value():
    with pytest.raises(ck.InvalidInput) as e:
        ck.grade(np.array([1.0, 2.0, np.nan]))
    assert isinstance(e.value, ValueError)
    assert (e.value.field, e.value.index, e.value.value) == ("scores", 2, "nan")
    assert issubclass(ck.StateError, ck.Error) and issubclass(ck.Error, RuntimeError)
