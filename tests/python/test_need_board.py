"""match/need_board: ck.NeedBoard (需求发布 / 社会认领) — mirrors tests/cpp/match/test_need_board.cpp."""

import copy
import datetime as dt
import pickle
import random
import threading

import numpy as np
import pandas as pd
import pytest

import crisiskit as ck

H = 3600
T0 = 1_784_505_600  # 2026-07-20T00:00:00Z


def board_with_history():
    b = ck.NeedBoard()
    b.publish("敬老院-3", "drinking_water", 100, priority="nursing_home", deadline=T0 + 12 * H, time=T0,
              id="w", unit="bottle", node=42, actor="街道办")
    b.publish("school-9", "blanket", 30, priority="学校", deadline=T0 + 6 * H, time=T0)
    b.claim("w", "蓝天救援队", 60, time=T0 + 60, promised=T0 + 2 * H, id="c1")
    b.claim("need-1", "某公司", 10, time=T0 + 60)
    b.deliver("c1", 20, time=T0 + H, actor="蓝天救援队")
    return b


# ---- basics ---------------------------------------------------------------------
def test_publish_claim_deliver_withdraw_and_statuses():
    b = board_with_history()
    assert b.status("w") == "PARTLY_CLAIMED" and b.open_quantity("w") == 40
    assert b.status("need-1") == "PARTLY_CLAIMED" and b.open_quantity("need-1") == 20
    assert b.withdraw("c1", time=T0 + 2 * H, reason="truck broke down") == 40  # 20 delivered stay delivered
    assert b.open_quantity("w") == 40 + 40
    c = b.claim("w", "志愿者甲", 80, time=T0 + 3 * H)
    assert c == "claim-2" and b.status("w") == "FULLY_CLAIMED"
    with pytest.raises(ck.StateError, match="nothing open"):
        b.claim("w", "x", 1, time=T0 + 3 * H)
    b.deliver(c, time=T0 + 4 * H)  # all it owes
    assert b.status("w") == "FULFILLED"
    assert b.cancel("need-1", time=T0 + 5 * H, reason="school evacuated") == ["claim-1"]
    assert b.status("need-1") == "CANCELLED" and b.open_quantity("need-1") == 0
    assert len(b) == 2 and "w" in b and "nope" not in b and 3 not in b
    assert b.ids == ["w", "need-1"]
    assert repr(b) == "NeedBoard(2 needs: 1 FULFILLED, 1 CANCELLED; 3 claims, 0 active; 10 events)"


def test_close_and_amend():
    b = ck.NeedBoard()
    b.publish("H1", "oxygen", 50, priority="hospital", deadline=T0 + 8 * H, time=T0, id="o")
    with pytest.raises(ck.StateError, match="cancel it instead"):
        b.close("o", time=T0 + 1)
    b.claim("o", "A", 20, time=T0 + 2, id="a")
    b.close("o", time=T0 + 3, actor="hospital", reason="enough for now")
    assert b.status("o") == "FULLY_CLAIMED" and b.to_frame().loc["o", "quantity"] == 20
    with pytest.raises(ck.StateError):
        b.claim("o", "B", 1, time=T0 + 4)
    b.amend("o", time=T0 + 5, quantity=35, deadline="2026-07-20T12:00:00+08:00", note="second ward")
    assert b.open_quantity("o") == 15
    assert b.to_frame().loc["o", "deadline"] == pd.Timestamp("2026-07-20T04:00:00Z")
    with pytest.raises(ck.InvalidInput, match="give a new quantity, a new deadline or both"):
        b.amend("o", time=T0 + 6)
    with pytest.raises(ck.StateError, match="cannot go below"):
        b.amend("o", time=T0 + 6, quantity=19)


def test_times_take_every_form_the_library_takes():
    b = ck.NeedBoard()
    t = pd.Timestamp("2026-07-20T08:00:00", tz="Asia/Shanghai")
    n = b.publish("p", "water", 5, deadline=np.datetime64("2026-07-20T12:00:00"), time=t)
    b.claim(n, "A", 1, time=dt.datetime(2026, 7, 20, 1, tzinfo=dt.timezone.utc), promised="2026-07-20T10:00:00+08:00")
    row = b.claims().iloc[0]
    assert row["time"] == pd.Timestamp("2026-07-20T01:00:00Z")
    assert row["promised"] == pd.Timestamp("2026-07-20T02:00:00Z")
    with pytest.raises(ValueError, match="naive"):
        b.claim(n, "A", 1, time=dt.datetime(2026, 7, 20, 2))


# ---- rejections change nothing ---------------------------------------------------
def rejected(b, exc, fn, *args, match=None, **kw):
    before = b.to_bytes()
    with pytest.raises(exc, match=match) as e:
        fn(*args, **kw)
    assert b.to_bytes() == before
    return e.value


def test_every_rejection_leaves_the_board_unchanged():
    b = board_with_history()
    b.publish("p2", "tent", 10, priority="shelter", deadline=T0 + 9 * H, time=T0, id="t")
    b.claim("t", "B", 4, time=T0 + 10, id="b")
    b.cancel("t", time=T0 + 20)
    b.claim("w", "C", 5, time=T0 + H, id="wc")
    b.withdraw("wc", time=T0 + H)
    later = T0 + 2 * H

    rejected(b, ck.StateError, b.claim, "w", "D", 41, time=later, match="exceeds the open quantity 40")
    rejected(b, ck.StateError, b.claim, "t", "D", 1, time=later, match="cancelled")
    rejected(b, ck.StateError, b.withdraw, "wc", time=later, match="WITHDRAWN")
    rejected(b, ck.StateError, b.withdraw, "b", time=later)        # released with its need
    rejected(b, ck.StateError, b.cancel, "t", time=later)
    rejected(b, ck.StateError, b.deliver, "c1", 41, time=later, match="still owes")
    e = rejected(b, ck.InvalidInput, b.claim, "nope", "D", 1, time=later)
    assert (e.field, e.index, e.value) == ("need", None, "'nope'")
    e = rejected(b, ck.InvalidInput, b.withdraw, "nope", time=later)
    assert e.field == "claim"
    rejected(b, ck.InvalidInput, b.deliver, "nope", time=later)
    rejected(b, ck.InvalidInput, b.status, "nope")
    rejected(b, ck.InvalidInput, b.history, "nope")
    rejected(b, ck.InvalidInput, b.claims, "nope")
    for bad in (-5, 0, float("nan"), float("inf"), 2.5, True, np.bool_(True), "3", None, pd.NA, 2**70):
        e = rejected(b, ck.InvalidInput, b.claim, "w", "D", bad, time=later)
        assert e.field == "quantity"
    e = rejected(b, ck.InvalidInput, b.claim, "w", "D", np.float64("nan"), time=later)
    assert e.value == "nan"
    rejected(b, ck.InvalidInput, b.deliver, "c1", -1, time=later)
    rejected(b, ck.InvalidInput, b.deliver, "c1", float("nan"), time=later)
    rejected(b, ck.InvalidInput, b.claim, "w", "", 1, time=later)
    rejected(b, ck.InvalidInput, b.claim, "w", "D", 1, time=later, id="c1")          # claim id taken
    rejected(b, ck.InvalidInput, b.claim, "w", "D", 1, time=later, promised=later - 1)
    rejected(b, ck.InvalidInput, b.claim, "w", "D", 1, time=T0, match="time must not go backwards")
    rejected(b, ck.InvalidInput, b.claim, "w", "D", 1, time=later, actor="bad\nactor")
    e = rejected(b, ck.InvalidInput, b.publish, "p", "water", 1, priority="palace", deadline=later, time=later,
                 match="unknown priority class")
    assert (e.field, e.index, e.value) == ("priority", 0, "'palace'")
    rejected(b, ck.InvalidInput, b.publish, "p", "water", float("nan"), deadline=later, time=later)
    rejected(b, ck.InvalidInput, b.publish, "p", "water", -3, deadline=later, time=later)
    rejected(b, ck.InvalidInput, b.publish, "p", "water", 3, deadline=later - 1, time=later,
             match="before the publication time")
    rejected(b, ck.InvalidInput, b.publish, "p", "water", 3, deadline=later, time=later, id="w",
             match="already the id of a need")
    rejected(b, ck.InvalidInput, b.publish, "", "water", 3, deadline=later, time=later)
    rejected(b, ck.InvalidInput, b.publish, 7, "water", 3, deadline=later, time=later)
    rejected(b, ck.InvalidInput, b.publish, "p", "water", 3, deadline=later, time=later, node=-2)
    rejected(b, ck.InvalidInput, b.open_needs, priority="palace")
    rejected(b, ck.StateError, b.amend, "t", time=later, quantity=3)
    rejected(b, ck.InvalidInput, b.amend, "w", time=later, deadline=T0 - 1)
    # a batch with one bad row publishes nothing, and names the row
    frame = pd.DataFrame({"place": ["a", "b", "c"], "type": ["water"] * 3, "quantity": [5.0, np.nan, 2.0],
                          "deadline": [later] * 3})
    e = rejected(b, ck.InvalidInput, b.publish_many, frame, time=later)
    assert (e.field, e.index, e.value) == ("quantity", 1, "nan")
    frame = pd.DataFrame({"place": ["a", "b"], "type": ["water"] * 2, "quantity": [5, 2],
                          "deadline": [pd.Timestamp(later, unit="s", tz="UTC"), pd.NaT]})
    e = rejected(b, ValueError, b.publish_many, frame, time=later)
    assert "deadline[1]" in str(e)
    rejected(b, ck.InvalidInput, b.publish_many, {"place": ["a"], "type": ["w"], "quantity": [1]}, time=later,
             match="required column")
    assert "a" not in b.to_frame()["place"].tolist()


def test_priority_classes_defaults_and_overrides():
    assert dict(ck.PRIORITY_WEIGHTS) == {"hospital": 10, "nursing_home": 8, "school": 6, "shelter": 5,
                                         "residential": 2, "other": 1}
    assert ck.PRIORITY_CLASSES["nursing_home"] == ("养老院", 8)
    with pytest.raises(TypeError):
        ck.PRIORITY_WEIGHTS["school"] = 100  # read-only: override per board instead
    b = ck.NeedBoard(priority_weights={"school": 9, "Dialysis centre": 12})
    assert b.priority_weights["school"] == 9 and b.priority_weights["dialysis_centre"] == 12
    assert ck.NeedBoard().priority_weights == dict(ck.PRIORITY_WEIGHTS)
    b.publish("a", "water", 3, priority="dialysis centre", deadline=T0 + H, time=T0)
    b.publish("b", "water", 3, priority="Nursing home", deadline=T0 + H, time=T0)
    assert b.open_demand()["weight"].tolist() == [12.0, 8.0]
    assert b.to_frame()["priority"].tolist() == ["dialysis_centre", "nursing_home"]
    for bad, field in [({"school": float("nan")}, "weight"), ({"school": 0}, "weight"), ({"school": -1}, "weight"),
                       ({"school": "high"}, "weight"), ({"": 1}, "priority"), ({"学校x": 1}, "priority"),
                       ({3: 1}, "priority_weights"), ([("school", 1)], "priority_weights")]:
        with pytest.raises(ck.InvalidInput) as e:
            ck.NeedBoard(priority_weights=bad)
        assert e.value.field == field


# ---- the rules against a plain model ----------------------------------------------
class Oracle:
    """The board's rules written out plainly, recomputing totals every time."""

    def __init__(self):
        self.needs = {}   # id -> {"quantity", "cancelled"}
        self.claims = {}  # id -> {"need", "quantity", "delivered", "status"}

    def held(self, n):
        return sum(c["quantity"] if c["status"] == "ACTIVE" else c["delivered"]
                   for c in self.claims.values() if c["need"] == n)

    def delivered(self, n):
        return sum(c["delivered"] for c in self.claims.values() if c["need"] == n)

    def open(self, n):
        return 0 if self.needs[n]["cancelled"] else self.needs[n]["quantity"] - self.held(n)

    def status(self, n):
        if self.needs[n]["cancelled"]:
            return "CANCELLED"
        if self.delivered(n) == self.needs[n]["quantity"]:
            return "FULFILLED"
        if self.open(n) == 0:
            return "FULLY_CLAIMED"
        return "PARTLY_CLAIMED" if self.held(n) > 0 else "OPEN"

    # each returns True if the rules allow it, and then applies it
    def publish(self, nid, q):
        if not (isinstance(q, int) and q > 0):
            return False
        self.needs[nid] = {"quantity": q, "cancelled": False}
        return True

    def claim(self, cid, n, q):
        if n not in self.needs or not (isinstance(q, int) and q > 0):
            return False
        if self.needs[n]["cancelled"] or q > self.open(n):
            return False
        self.claims[cid] = {"need": n, "quantity": q, "delivered": 0, "status": "ACTIVE"}
        return True

    def deliver(self, c, q):
        if c not in self.claims or self.claims[c]["status"] != "ACTIVE":
            return False
        cl = self.claims[c]
        owed = cl["quantity"] - cl["delivered"]
        q = owed if q is None else q
        if not (isinstance(q, int) and 0 < q <= owed):
            return False
        cl["delivered"] += q
        if cl["delivered"] == cl["quantity"]:
            cl["status"] = "DELIVERED"
        return True

    def withdraw(self, c):
        if c not in self.claims or self.claims[c]["status"] != "ACTIVE":
            return False
        self.claims[c]["status"] = "WITHDRAWN"
        return True

    def cancel(self, n):
        if n not in self.needs or self.needs[n]["cancelled"] or self.status(n) == "FULFILLED":
            return False
        self.needs[n]["cancelled"] = True
        for c in self.claims.values():
            if c["need"] == n and c["status"] == "ACTIVE":
                c["status"] = "CANCELLED"
        return True

    def amend(self, n, q):
        if n not in self.needs or not (isinstance(q, int) and q > 0):
            return False
        if self.needs[n]["cancelled"] or q < self.held(n):
            return False
        self.needs[n]["quantity"] = q
        return True


def whole(q):
    """A float that is a whole number counts as that int (the board takes 3.0 as 3)."""
    return int(q) if isinstance(q, float) and q == q and q.is_integer() else q


@pytest.mark.parametrize("seed", range(8))
def test_random_operations_agree_with_the_oracle(seed):
    rng = random.Random(seed)
    b, o = ck.NeedBoard(), Oracle()
    now = T0
    counts = {"n": 0, "c": 0}

    def pick(ids):
        return "unknown" if not ids or rng.random() < 0.1 else rng.choice(sorted(ids))

    accepted = 0
    for step in range(250):
        now += rng.randrange(100)
        q = rng.choice([rng.randrange(-1, 25), rng.randrange(-1, 25), float("nan"), 3.0, 2.5])
        op = rng.randrange(7)
        before = b.to_bytes()
        try:
            if op == 0:
                counts["n"] += 1
                nid = f"n{counts['n']}"
                expect = o.publish(nid, whole(q))
                b.publish(f"p{rng.randrange(4)}", f"t{rng.randrange(3)}", q, deadline=now + 5 * H, time=now, id=nid,
                          priority=rng.choice(list(ck.PRIORITY_WEIGHTS)))
            elif op in (1, 2):
                counts["c"] += 1
                cid, n = f"c{counts['c']}", pick(o.needs)
                expect = o.claim(cid, n, whole(q))
                b.claim(n, f"group{rng.randrange(4)}", q, time=now, id=cid)
            elif op == 3:
                c = pick(o.claims)
                qq = None if rng.random() < 0.3 else q
                expect = o.deliver(c, whole(qq))
                b.deliver(c, qq, time=now)
            elif op == 4:
                c = pick(o.claims)
                expect = o.withdraw(c)
                b.withdraw(c, time=now)
            elif op == 5:
                n = pick(o.needs)
                expect = o.cancel(n)
                b.cancel(n, time=now)
            else:
                n = pick(o.needs)
                expect = o.amend(n, whole(q))
                b.amend(n, time=now, quantity=q)
            ok = True
        except (ck.InvalidInput, ck.StateError):
            ok = False
        assert ok == expect, (step, op)
        accepted += ok
        if not ok:
            assert b.to_bytes() == before
        # the board agrees with the oracle, and the invariants hold
        needs = b.to_frame()
        claims = b.claims()
        for nid in o.needs:
            assert b.status(nid) == o.status(nid)
            assert b.open_quantity(nid) == o.open(nid)
        for cid, c in o.claims.items():
            assert claims.loc[cid, "status"] == c["status"] and claims.loc[cid, "delivered"] == c["delivered"]
        held = np.where(claims["status"] == "ACTIVE", claims["quantity"], claims["delivered"])
        held_by_need = pd.Series(held, index=claims.index).groupby(claims["need"]).sum()
        held_by_need = held_by_need.reindex(needs.index, fill_value=0)
        assert (needs["open"] >= 0).all() and (needs["delivered"] <= needs["claimed"]).all()
        assert (held_by_need == needs["claimed"]).all()
        live = needs["status"] != "CANCELLED"
        assert (held_by_need[live] + needs.loc[live, "open"] == needs.loc[live, "quantity"]).all()
        assert (needs.loc[~live, "open"] == 0).all()
    assert accepted > 25
    assert pickle.loads(pickle.dumps(b)) == b


# ---- persistence and export ---------------------------------------------------------
def test_pickle_bytes_and_copies_round_trip():
    b = board_with_history()
    b.cancel("need-1", time=T0 + 2 * H, reason="duplicate")
    c = pickle.loads(pickle.dumps(b))
    assert type(c) is ck.NeedBoard and c == b and c.to_bytes() == b.to_bytes()
    pd.testing.assert_frame_equal(c.history(), b.history())
    d = copy.deepcopy(b)
    d.claim("w", "new", 1, time=T0 + 3 * H)
    assert d != b and len(b.claims()) == 2
    # the next generated ids continue after a round trip
    e = ck.NeedBoard.from_bytes(b.to_bytes())
    assert e.publish("x", "y", 1, deadline=T0 + 9 * H, time=T0 + 3 * H) == "need-2"
    assert b != "not a board"
    with pytest.raises(ck.InvalidInput) as err:
        ck.NeedBoard.from_bytes(b.to_bytes()[:-3])
    assert err.value.field == "state"
    with pytest.raises(ck.InvalidInput):
        ck.NeedBoard.from_bytes(b"CKAB" + b.to_bytes()[4:])
    with pytest.raises(TypeError):
        hash(b)


def test_dataframe_export():
    b = board_with_history()
    df = b.to_frame()
    assert df.index.tolist() == ["w", "need-1"]
    assert df.loc["w", "place"] == "敬老院-3" and df.loc["w", "unit"] == "bottle" and df.loc["w", "node"] == 42
    assert df.loc["need-1", "priority"] == "school" and df.loc["need-1", "weight"] == 6.0
    assert df.loc["need-1", "node"] == -1
    assert df[["quantity", "claimed", "delivered", "open"]].loc["w"].tolist() == [100, 60, 20, 40]
    for c in ("quantity", "claimed", "delivered", "open", "node"):
        assert df[c].dtype == np.int64
    assert str(df["deadline"].dtype).startswith("datetime64") and str(df["deadline"].dt.tz) == "UTC"
    assert pd.isna(df.loc["w", "cancelled_at"]) and df.loc["w", "published_by"] == "街道办"

    cl = b.claims()
    assert cl.index.tolist() == ["c1", "claim-1"]
    assert cl.loc["c1", "outstanding"] == 40 and cl.loc["c1", "due"] == pd.Timestamp(T0 + 2 * H, unit="s", tz="UTC")
    assert cl.loc["claim-1", "due"] == df.loc["need-1", "deadline"]  # no promise: the need's deadline
    assert pd.isna(cl.loc["claim-1", "promised"])
    assert b.claims_of("蓝天救援队").index.tolist() == ["c1"]
    assert b.claims(need="need-1").index.tolist() == ["claim-1"]
    assert b.claims(need="w", claimant="someone").empty
    assert b.claims_of("nobody").empty

    od = b.overdue_claims(T0 + 3 * H)
    assert od.index.tolist() == ["c1"] and od.loc["c1", "late_by"] == pd.Timedelta(hours=1)
    assert b.overdue_claims(T0 + 7 * H).index.tolist() == ["c1", "claim-1"]

    h = b.history()
    assert h["kind"].tolist() == ["PUBLISH", "PUBLISH", "CLAIM", "CLAIM", "DELIVER"]
    assert h["seq"].tolist() == [0, 1, 2, 3, 4]
    assert h.loc[4, "actor"] == "蓝天救援队" and h.loc[3, "actor"] == "某公司"  # a claim's actor defaults to the claimant
    assert h.loc[2, "deadline"] == pd.Timestamp(T0 + 2 * H, unit="s", tz="UTC")  # the promised time
    assert pd.isna(h.loc[0, "claim"]) and h.loc[2, "claim"] == "c1"
    assert h["open_after"].tolist() == [100, 30, 40, 20, 40]
    assert b.history("need-1")["seq"].tolist() == [1, 3]
    assert b.history(start=3)["seq"].tolist() == [3, 4]

    on = b.open_needs(type="blanket")
    assert on.index.tolist() == ["need-1"]
    assert b.open_needs(priority="养老院").index.tolist() == ["w"]
    assert b.open_needs(place="nowhere").empty and b.open_needs(type="fuel").empty


def test_open_demand_arrays_for_the_matcher():
    b = board_with_history()
    b.publish("敬老院-3", "blanket", 5, priority="nursing_home", deadline=T0 + H, time=T0, node=42, id="wb")
    b.claim("wb", "x", 5, time=T0)
    d = b.open_demand()
    assert d["need"].tolist() == ["w", "need-1"]
    assert d["place"].tolist() == ["敬老院-3", "school-9"] and d["place_index"].tolist() == [0, 1]
    assert d["type"].tolist() == ["drinking_water", "blanket"] and d["type_index"].tolist() == [0, 1]
    assert d["node"].tolist() == [42, -1]
    assert d["quantity"].tolist() == [40, 20] and d["quantity"].dtype == np.int64
    assert d["weight"].tolist() == [8.0, 6.0] and d["weight"].dtype == np.float64
    assert d["deadline"].tolist() == [T0 + 12 * H, T0 + 6 * H] and d["deadline"].dtype == np.int64
    f = b.open_demand_frame()
    assert f["quantity"].tolist() == [40, 20]
    assert f["deadline"].iloc[0] == pd.Timestamp(T0 + 12 * H, unit="s", tz="UTC")
    empty = ck.NeedBoard().open_demand()
    assert all(len(v) == 0 for v in empty.values()) and empty["quantity"].dtype == np.int64


def test_publish_many_from_a_dataframe():
    b = ck.NeedBoard()
    frame = pd.DataFrame({
        "id": ["a", None, np.nan],
        "place": ["p1", "p2", "p3"],
        "type": ["water", "water", "tent"],
        "quantity": [10, 20.0, 3],
        "priority": ["hospital", "其他", "shelter"],
        "deadline": pd.to_datetime(["2026-07-20 18:00"] * 3).tz_localize("Asia/Shanghai"),
        "node": [7, None, 9],
    }, index=[10, 11, 12])
    ids = b.publish_many(frame, time="2026-07-20T08:00:00+08:00", actor="ops")
    assert ids == ["a", "need-1", "need-2"]
    df = b.to_frame()
    assert df["node"].tolist() == [7, -1, 9] and df["quantity"].tolist() == [10, 20, 3]
    assert (df["deadline"] == pd.Timestamp("2026-07-20T10:00:00Z")).all()
    assert df["priority"].tolist() == ["hospital", "other", "shelter"] and (df["published_by"] == "ops").all()


def test_concurrent_claims_never_exceed_the_need():
    b = ck.NeedBoard()
    b.publish("p", "water", 1000, deadline=T0 + H, time=T0, id="n")
    results = []

    def worker(k):
        ok = 0
        for i in range(200):
            try:
                b.claim("n", f"g{k}", 3, time=T0 + 1)
                ok += 1
            except ck.StateError:
                pass
        results.append(ok)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 333 and b.open_quantity("n") == 1
    assert b.to_frame().loc["n", "claimed"] == 999 and len(b.claims()) == 333
