"""ledger: ck.Ledger (阳光台账) — mirrors tests/cpp/ledger/*.

Oracles: the published RFC 6962 test vectors (certificate-transparency /
trillian / transparency-dev merkle), and a pure-Python RFC 6962 implementation
written below from the RFC text (MTH, PATH, PROOF/SUBPROOF) over hashlib's
SHA-256 and SM3, compared on many seeded random leaf sets; the entry encoding
is checked against a struct-based encoder written from the README's table.
"""

import datetime as dt
import hashlib
import os
import pickle
import random
import struct
import threading

import numpy as np
import pandas as pd
import pytest

import crisiskit as ck

T0 = 1_784_505_600  # 2026-07-20T00:00:00Z
HAS_SM3 = "sm3" in hashlib.algorithms_available


# ---- the oracle: RFC 6962 §2.1 in plain Python ------------------------------------

def H(alg, data):
    return hashlib.new(alg, data).digest()


def mth(alg, d):
    n = len(d)
    if n == 0:
        return H(alg, b"")
    if n == 1:
        return H(alg, b"\x00" + d[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return H(alg, b"\x01" + mth(alg, d[:k]) + mth(alg, d[k:]))


def path(alg, m, d):
    n = len(d)
    if n <= 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return path(alg, m, d[:k]) + [mth(alg, d[k:])]
    return path(alg, m - k, d[k:]) + [mth(alg, d[:k])]


def subproof(alg, m, d, b):
    n = len(d)
    if m == n:
        return [] if b else [mth(alg, d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return subproof(alg, m, d[:k], b) + [mth(alg, d[k:])]
    return subproof(alg, m - k, d[k:], False) + [mth(alg, d[:k])]


def proof(alg, m, d):
    return [] if m == 0 or m == len(d) else subproof(alg, m, d, True)


# ---- the published vectors ----------------------------------------------------------

LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                     "606162636465666768696a6b6c6d6e6f")]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [  # (0-based index, size, proof)
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CONSISTENCY = [  # (old size, new size, proof)
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]


def test_published_roots():
    for n in range(9):
        assert ck.merkle_root(LEAVES[:n]).hex() == ROOTS[n]
        assert mth("sha256", LEAVES[:n]).hex() == ROOTS[n]  # the oracle agrees with the vectors too


def test_published_inclusion_proofs_verify_and_corruptions_do_not():
    for i, n, p in INCLUSION:
        lh = ck.leaf_hash(LEAVES[i])
        assert [h.hex() for h in path("sha256", i, LEAVES[:n])] == p
        assert ck.verify_inclusion(i, n, ROOTS[n], p, leaf_hash=lh)
        assert ck.verify_inclusion(i, n, ROOTS[n], p, entry=LEAVES[i])
        assert not ck.verify_inclusion(i + 1, n, ROOTS[n], p, leaf_hash=lh)
        assert not ck.verify_inclusion(i, n * 2, ROOTS[n], p, leaf_hash=lh)
        assert not ck.verify_inclusion(i, n, ROOTS[n], p[:-1], leaf_hash=lh)
        assert not ck.verify_inclusion(i, n, ROOTS[n], p + [ROOTS[n]], leaf_hash=lh)
        bad = [bytearray(bytes.fromhex(x)) for x in p]
        bad[0][0] ^= 8
        assert not ck.verify_inclusion(i, n, ROOTS[n], [bytes(b) for b in bad], leaf_hash=lh)


def test_published_consistency_proofs_verify_and_corruptions_do_not():
    for m, n, p in CONSISTENCY:
        assert [h.hex() for h in proof("sha256", m, LEAVES[:n])] == p
        assert ck.verify_consistency(m, n, ROOTS[m], ROOTS[n], p)
        assert not ck.verify_consistency(m, n, ROOTS[n], ROOTS[m], p)
        assert not ck.verify_consistency(m + 1, n, ROOTS[m], ROOTS[n], p)
        assert not ck.verify_consistency(m, n, ROOTS[m], ROOTS[n], p[:-1])
        assert not ck.verify_consistency(m, n, ROOTS[m], ROOTS[n], [])
    assert ck.verify_consistency(0, 5, ROOTS[0], ROOTS[5], [])
    assert ck.verify_consistency(3, 3, ROOTS[3], ROOTS[3], [])
    assert not ck.verify_consistency(3, 3, ROOTS[3], ROOTS[4], [])
    assert not ck.verify_consistency(4, 3, ROOTS[4], ROOTS[3], [])


# ---- the ledger against the oracle on random histories ------------------------------

KINDS = ["DONATION", "PURCHASE", "AGREEMENT_STOCK", "MOVE", "HAND_OUT", "RETURN", "WRITE_OFF"]


def random_history(rng, n):
    """n valid movements among 3 warehouses and 4 communities."""
    held = {}
    rows = []
    t = T0
    for _ in range(n):
        t += rng.randrange(0, 600)
        item = rng.choice(["water", "tent", "rice"])
        unit = {"water": "bottle", "tent": "pcs", "rice": "kg"}[item]
        holders = [h for (h, it), q in held.items() if it == item and q > 0]
        if not holders or rng.random() < 0.3:
            kind = rng.choice(KINDS[:3])
            src, dst, q = rng.choice(["Red Cross", "supplier", ""]), rng.choice(["W1", "W2", "W3"]), rng.randrange(1, 500)
        else:
            src = rng.choice(holders)
            q = rng.randrange(1, held[(src, item)] + 1)
            kind = rng.choice(KINDS[3:])
            dst = "" if kind == "WRITE_OFF" else rng.choice([x for x in ["W1", "W2", "C1", "C2", "C3", "C4"] if x != src])
        if kind not in KINDS[:3]:
            held[(src, item)] -= q
        if kind != "WRITE_OFF":
            held[(dst, item)] = held.get((dst, item), 0) + q
        rows.append({"kind": kind, "item": item, "quantity": q, "unit": unit, "from": src, "to": dst,
                     "time": t, "need": rng.choice(["", "need-1", "need-2"]), "actor": "记账员", "note": ""})
    return rows, held


@pytest.mark.parametrize("alg", ["sha256", "sm3"])
def test_roots_and_every_proof_match_the_oracle(alg):
    if alg == "sm3" and not HAS_SM3:
        pytest.skip("hashlib has no SM3 here")
    rng = random.Random(6962 if alg == "sha256" else 32905)
    for trial in range(12):
        rows, held = random_history(rng, rng.randrange(1, 60))
        led = ck.Ledger(hash=alg)
        cut = rng.randrange(0, len(rows) + 1)
        led.append_many(pd.DataFrame(rows[:cut]) if cut else [])
        led.commit()
        led.append_many(rows[cut:])
        led.commit()
        data = [led.entry_bytes(i) for i in range(len(led))]
        n = len(data)
        for m in range(n + 1):
            assert led.root(m) == mth(alg, data[:m])
        for m in range(1, n + 1):
            for i in range(m):
                p = led.inclusion_proof(i, m)
                assert p == path(alg, i, data[:m])
                assert ck.verify_inclusion(i, m, led.root(m), p, entry=data[i], hash=alg)
            for k in range(m, n + 1):
                p = led.consistency_proof(m, k)
                assert p == proof(alg, m, data[:k])
                assert ck.verify_consistency(m, k, led.root(m), led.root(k), p, hash=alg)
        assert ck.merkle_root(data, hash=alg) == led.root()
        bal = led.balances().set_index(["holder", "item"])["quantity"]
        for (h, item), q in held.items():
            assert bal.loc[(h, item)] == q
        assert led.verify()


@pytest.mark.skipif(not HAS_SM3, reason="hashlib has no SM3 here")
def test_sm3_against_hashlib_and_the_standard_example():
    assert hashlib.new("sm3", b"abc").hexdigest() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    for n in range(9):
        assert ck.merkle_root(LEAVES[:n], hash="sm3") == mth("sm3", LEAVES[:n])
    assert ck.merkle_root(LEAVES, hash="sm3") != ck.merkle_root(LEAVES)


# ---- the documented binary encoding -----------------------------------------------

def encode(seq, e):
    """The README's table, independently: version, kind, seq, time, quantity, 8 × (u16 length, UTF-8)."""
    out = struct.pack(">BBQqq", 1, KINDS.index(e["kind"]), seq, e["time"], e["quantity"])
    for f in ("item", "unit", "from", "to", "actor", "need", "claim", "note"):
        b = e.get(f, "").encode("utf-8")
        out += struct.pack(">H", len(b)) + b
    return out


def test_entry_bytes_follow_the_documented_layout():
    rows, _ = random_history(random.Random(5), 40)
    led = ck.Ledger()
    led.append_many(rows)
    led.commit()
    for i, r in enumerate(rows):
        assert led.entry_bytes(i) == encode(i, r)
        assert led.leaf_hash(i) == hashlib.sha256(b"\x00" + encode(i, r)).digest()


# ---- files: durability, torn tails, tampering -----------------------------------------

def history():
    return pd.DataFrame([
        dict(kind="DONATION", item="water", quantity=500, unit="bottle", **{"from": "Red Cross"}, to="warehouse-A",
             time=pd.Timestamp("2026-07-20 08:00", tz="Asia/Shanghai"), need="need-1"),
        dict(kind="MOVE", item="water", quantity=200, unit="bottle", **{"from": "warehouse-A"}, to="station-B",
             time=pd.Timestamp("2026-07-20 09:00", tz="Asia/Shanghai"), need="need-1"),
        dict(kind="发放", item="water", quantity=150, unit="bottle", **{"from": "station-B"}, to="community-X",
             time=pd.Timestamp("2026-07-20 10:00", tz="Asia/Shanghai"), need="need-1"),
        dict(kind="HAND_OUT", item="water", quantity=30, unit="bottle", **{"from": "station-B"}, to="community-Z",
             time=pd.Timestamp("2026-07-20 11:00", tz="Asia/Shanghai"), need=None),
        dict(kind="WRITE_OFF", item="water", quantity=5, unit="bottle", **{"from": "station-B"}, to="",
             time=pd.Timestamp("2026-07-20 12:00", tz="Asia/Shanghai"), need=np.nan),
    ])


def frames(data):
    """(type, payload offset, payload length) of each frame, from the documented file layout."""
    out, pos = [], 32
    while pos < len(data):
        t, n = data[pos], struct.unpack(">I", data[pos + 1:pos + 5])[0]
        out.append((t, pos + 5, n))
        pos += 5 + n + 32
    return out


def test_file_round_trip_and_acknowledged_entries_survive(tmp_path):
    p = tmp_path / "relief.ckl"
    led = ck.Ledger(p)
    assert led.append_many(history()) == range(0, 5)
    assert led.commit() == 5
    root = led.root()
    del led
    again = ck.Ledger(p)
    assert len(again) == 5 and again.root() == root
    assert again.recovery["dropped_bytes"] == 0
    df = again.to_frame()
    assert list(df["kind"]) == ["DONATION", "MOVE", "HAND_OUT", "HAND_OUT", "WRITE_OFF"]
    assert df["time"].iloc[0] == pd.Timestamp("2026-07-20 00:00", tz="UTC")
    assert again.balance("station-B", "water") == 15
    with pytest.raises(ValueError, match="uses sha256"):
        ck.Ledger(p, hash="sm3", read_only=True)


def test_rejected_hand_out_changes_nothing_on_disk_or_in_memory(tmp_path):
    p = tmp_path / "r.ckl"
    led = ck.Ledger(p)
    led.append_many(history())
    led.commit()
    before = p.read_bytes()
    bad = history().iloc[[2, 2]].copy()
    bad["time"] = pd.Timestamp("2026-07-21", tz="UTC")
    bad["quantity"] = [10, 10_000]
    with pytest.raises(ValueError) as e:
        led.append_many(bad)
    assert e.value.field == "quantity" and e.value.index == 1 and e.value.value == "10000"
    assert "exceeds its balance: it holds 5 bottle" in str(e.value)
    assert led.pending == 0
    assert led.commit() == 5
    assert p.read_bytes() == before
    assert led.balance("station-B", "water") == 15


def test_bad_input_names_field_row_and_value():
    led = ck.Ledger()
    rows = history()
    for col, val, field, msg in [
        ("kind", "gift", "kind", "expected DONATION"),
        ("quantity", 2.5, "quantity", "whole number"),
        ("quantity", 0, "quantity", "1 … 2^53"),
        ("item", "", "item", "an item is required"),
        ("to", 7, "to", "expected text"),
    ]:
        r = rows.copy()
        r[col] = r[col].astype(object)
        r.loc[3, col] = val
        with pytest.raises(ValueError) as e:
            led.append_many(r)
        assert e.value.field == field and e.value.index == 3, (col, str(e.value))
        assert msg in str(e.value)
        assert led.pending == 0
    naive = rows.copy()
    naive["time"] = naive["time"].dt.tz_localize(None)
    with pytest.raises(ValueError, match="naive"):
        led.append_many(naive)
    with pytest.raises(ValueError, match="missing column 'quantity'"):
        led.append_many(rows.drop(columns=["quantity"]))
    led.append_many(rows)
    led.commit()
    with pytest.raises(ValueError, match="counted in 'bottle'"):
        led.append("DONATION", "water", 1, unit="kg", to="A", time=T0 + 10**6)
    with pytest.raises(ValueError, match="before the previous entry"):
        led.append("DONATION", "water", 1, unit="bottle", to="A", time=T0)
    with pytest.raises(ValueError):
        led.inclusion_proof(5)
    with pytest.raises(ValueError):
        ck.verify_inclusion(0, 1, b"short", [], leaf_hash=b"\x00" * 32)


def test_torn_tail_cut_at_every_byte_keeps_the_committed_prefix(tmp_path):
    p = tmp_path / "t.ckl"
    led = ck.Ledger(p, hash="sm3")
    rows = history()
    led.append_many(rows.iloc[:3])
    led.commit()
    size3 = p.stat().st_size
    root3 = led.root()
    led.append_many(rows.iloc[3:])
    led.commit()
    full = p.read_bytes()
    del led
    for cut in range(size3, len(full)):
        p.write_bytes(full[:cut])
        again = ck.Ledger(p)
        assert len(again) == 3 and again.root() == root3, cut
        rec = again.recovery
        assert rec["dropped_bytes"] == cut - size3 and not rec["damaged"]
        assert p.stat().st_size == size3
        assert again.verify()
        del again
    p.write_bytes(full)
    assert len(ck.Ledger(p)) == 5


def test_tampering_names_the_first_bad_entry(tmp_path):
    p = tmp_path / "x.ckl"
    led = ck.Ledger(p)
    for _, r in history().iterrows():
        led.append_many(pd.DataFrame([r]))
        led.commit()
    published_size, published_root = len(led), led.root()
    good = p.read_bytes()
    entries = [(o, n) for t, o, n in frames(good) if t == 1]
    del led

    def reopen(data):
        p.write_bytes(bytes(data))
        return ck.Ledger(p, read_only=True)

    flipped = bytearray(good)
    flipped[entries[2][0] + 25] ^= 1  # quantity's last byte
    v = reopen(flipped).verify()
    assert not v and v.first_bad == 2
    hash_flip = bytearray(good)
    hash_flip[entries[3][0] + entries[3][1] + 3] ^= 0x40
    assert reopen(hash_flip).verify().first_bad == 3
    # Damage in the very last batch looks like a torn write: dropped and
    # reported; the published root still exposes it.
    last = bytearray(good)
    last[entries[4][0] + entries[4][1] + 3] ^= 0x40
    view = reopen(last)
    assert len(view) == 4 and "torn" in view.recovery["message"] and not view.recovery["damaged"]
    v = view.verify(published_size, published_root)
    assert not v and v.first_bad == 4
    # Entries 1 and 3 swapped (frames with their hashes): seq/commit checks name entry 1.
    (o1, n1), (o3, n3) = entries[1], entries[3]
    f1, f3 = good[o1 - 5:o1 + n1 + 32], good[o3 - 5:o3 + n3 + 32]
    swapped = good[:o1 - 5] + f3 + good[o1 + n1 + 32:o3 - 5] + f1 + good[o3 + n3 + 32:]
    v = reopen(swapped).verify()
    assert not v and v.first_bad == 1
    # Cut back to 3 entries at a commit boundary: only the published root can tell.
    cut = reopen(good[:entries[3][0] - 5])
    assert len(cut) == 3 and cut.verify()
    v = cut.verify(published_size, published_root)
    assert not v and v.first_bad == 3
    assert reopen(good).verify(published_size, published_root.hex())


def test_trace_answers_where_the_goods_for_a_need_went():
    led = ck.Ledger()
    led.append_many(history())
    led.commit()
    t = led.trace("need-1")
    assert list(t.index) == [0, 1, 2, 3, 4]
    assert list(t["hop"]) == [0, 0, 0, 1, 1]
    assert list(t["via"]) == [-1, -1, -1, 1, 1]
    assert list(led.trace("need-1", follow=False).index) == [0, 1, 2]
    x = led.trace(to="community-X", follow=False)
    assert x["quantity"].sum() == 150 and x["time"].iloc[0] == pd.Timestamp("2026-07-20 02:00", tz="UTC")
    assert len(led.trace(item="water", start="2026-07-20T10:30:00+08:00", follow=False)) == 2


def test_pickling_repr_image():
    led = ck.Ledger(hash="sm3")
    led.append_many(history())
    led.commit()
    led.append("DONATION", "water", 1, unit="bottle", to="A", time=T0 + 10**6)  # staged: not pickled
    copy = pickle.loads(pickle.dumps(led))
    assert len(copy) == 5 and copy.root() == led.root() and copy.hash == "sm3" and copy.pending == 0
    assert "in memory, 5 entries, 1 pending, sm3" in repr(led)
    assert ck.Ledger.from_image(led.to_image()).to_frame().equals(led.to_frame())


def test_file_backed_pickles_as_a_read_only_view(tmp_path):
    p = tmp_path / "f.ckl"
    led = ck.Ledger(p)
    led.append_many(history())
    led.commit()
    view = pickle.loads(pickle.dumps(led))
    assert view.read_only and view.path == str(p) and view.root() == led.root()
    with pytest.raises(ck.StateError):
        view.append("DONATION", "water", 1, unit="bottle", to="A", time=T0 + 10**6)


def test_readers_while_a_writer_commits():
    led = ck.Ledger()
    stop = threading.Event()
    errors = []

    def reader():
        last, last_root = 0, led.root(0)
        while not stop.is_set():
            n = len(led)
            if n == 0:
                continue
            r = led.root(n)
            i = n - 1
            if not ck.verify_inclusion(i, n, r, led.inclusion_proof(i, n), leaf_hash=led.leaf_hash(i)):
                errors.append(("inclusion", i, n))
            if not ck.verify_consistency(last, n, last_root, r, led.consistency_proof(last, n)):
                errors.append(("consistency", last, n))
            last, last_root = n, r

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for b in range(30):
        led.append_many({"kind": ["DONATION"] * 20, "item": ["water"] * 20, "quantity": np.arange(1, 21),
                         "unit": ["bottle"] * 20, "to": ["A"] * 20}, time=T0 + b)
        led.commit()
    stop.set()
    for t in threads:
        t.join()
    assert not errors
    assert len(led) == 600 and led.balance("A", "water") == 30 * 210
