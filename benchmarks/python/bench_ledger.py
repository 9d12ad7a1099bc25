"""Sunshine ledger benchmark: durable batch appends and Merkle proofs.

Same run, same rows, same batches:

1. Durable appends, file-backed, all three starting from the same DataFrame
   (conversion timed). ``ck.Ledger.append_many`` + ``commit`` (one write and
   one fdatasync per commit) against
   - SQLite in WAL mode with ``synchronous=FULL`` (Python's sqlite3,
     ``executemany`` + ``commit`` per batch: the usual durable peer), and
   - a plain Python Merkle log: the same entry encoding (``struct``), frames
     written and ``os.fsync``-ed per batch, leaf and node hashes with
     ``hashlib`` kept in a level array (what one would write without crisiskit).
2. Proofs on a 10-million-entry log (built once, in memory: a proof touches
   only the tree, not the file): µs per inclusion and per consistency proof
   from Python, against the same level-array algorithm in pure Python over
   hashlib (built over the same 10 M leaf hashes).

    .venv/bin/python benchmarks/python/bench_ledger.py            # defaults below
    .venv/bin/python benchmarks/python/bench_ledger.py --quick    # smoke: small sizes

Prints a table and ratios ours ÷ peer (below 1 = crisiskit faster).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import sqlite3
import struct
import sys
import tempfile
import time

import numpy as np
import pandas as pd

import crisiskit as ck

T0 = 1_784_505_600
KINDS = ["DONATION", "PURCHASE", "AGREEMENT_STOCK", "MOVE", "HAND_OUT", "RETURN", "WRITE_OFF"]


def make_rows(n: int, seed: int = 1) -> pd.DataFrame:
    """n valid movements: receipts into 8 warehouses, hand-outs from them to 200 communities."""
    rng = np.random.default_rng(seed)
    wh = np.array([f"warehouse-{i}" for i in range(8)], dtype=object)
    comm = np.array([f"community-{i:03d}" for i in range(200)], dtype=object)
    is_out = (np.arange(n) % 2) == 1  # alternate: receipt of 2q, then hand-out of q from the same warehouse
    w = wh[(np.arange(n) // 2) % 8]
    q = rng.integers(1, 500, size=n)
    q[~is_out] *= 2
    q[is_out] = q[~is_out][: is_out.sum()] // 2 if n > 1 else q[is_out]
    return pd.DataFrame({
        "kind": np.where(is_out, "HAND_OUT", "DONATION").astype(object),
        "item": np.array(["drinking_water"] * n, dtype=object),
        "quantity": q,
        "unit": np.array(["bottle"] * n, dtype=object),
        "from": np.where(is_out, w, "Red Cross").astype(object),
        "to": np.where(is_out, comm[rng.integers(0, 200, size=n)], w).astype(object),
        "time": T0 + np.arange(n) // 10,
        "actor": np.array(["记账员-7"] * n, dtype=object),
        "need": np.array([f"need-{i % 50}" for i in range(n)], dtype=object),
        "claim": np.array([""] * n, dtype=object),
        "note": np.array(["入库单/出库单 2026-07"] * n, dtype=object),
    })


# ---- peers ---------------------------------------------------------------------------

def encode(seq: int, kind: str, item: str, quantity: int, unit: str, frm: str, to: str, t: int, actor: str,
           need: str, claim: str, note: str) -> bytes:
    out = struct.pack(">BBQqq", 1, KINDS.index(kind), seq, t, quantity)
    for s in (item, unit, frm, to, actor, need, claim, note):
        b = s.encode()
        out += struct.pack(">H", len(b)) + b
    return out


class PyMerkleLog:
    """A plain-Python durable Merkle log: frames + fsync per batch, level array of hashlib digests."""

    def __init__(self, path: str | None):
        self.levels: list[list[bytes]] = [[]]
        self.f = open(path, "wb") if path else None

    def append_hashes(self, leaves: list[bytes]) -> None:
        for h in leaves:
            lv = self.levels
            lv[0].append(h)
            j, k = len(lv[0]) - 1, 1
            while j & 1:
                if len(lv) <= k:
                    lv.append([])
                lv[k].append(hashlib.sha256(b"\x01" + lv[k - 1][j - 1] + lv[k - 1][j]).digest())
                j >>= 1
                k += 1

    def append_batch(self, payloads: list[bytes]) -> None:
        leaves = [hashlib.sha256(b"\x00" + p).digest() for p in payloads]
        buf = b"".join(b"\x01" + struct.pack(">I", len(p)) + p + h for p, h in zip(payloads, leaves))
        self.f.write(buf)
        self.f.flush()
        os.fsync(self.f.fileno())
        self.append_hashes(leaves)

    # RFC 6962 PATH / PROOF over the stored perfect subtrees, as in crisiskit.
    def subtree(self, b: int, e: int) -> bytes:
        n = e - b
        if n & (n - 1) == 0:
            k = n.bit_length() - 1
            return self.levels[k][b >> k]
        k = 1 << ((n - 1).bit_length() - 1)
        return hashlib.sha256(b"\x01" + self.subtree(b, b + k) + self.subtree(b + k, e)).digest()

    def path(self, m: int, b: int, e: int, out: list) -> None:
        n = e - b
        if n <= 1:
            return
        k = 1 << ((n - 1).bit_length() - 1)
        if m < k:
            self.path(m, b, b + k, out)
            out.append(self.subtree(b + k, e))
        else:
            self.path(m - k, b + k, e, out)
            out.append(self.subtree(b, b + k))

    def subproof(self, m: int, b: int, e: int, flag: bool, out: list) -> None:
        n = e - b
        if m == n:
            if not flag:
                out.append(self.subtree(b, e))
            return
        k = 1 << ((n - 1).bit_length() - 1)
        if m <= k:
            self.subproof(m, b, b + k, flag, out)
            out.append(self.subtree(b + k, e))
        else:
            self.subproof(m - k, b + k, e, False, out)
            out.append(self.subtree(b, b + k))

    def inclusion_proof(self, i: int, n: int) -> list:
        out: list = []
        self.path(i, 0, n, out)
        return out

    def consistency_proof(self, m: int, n: int) -> list:
        out: list = []
        if 0 < m < n:
            self.subproof(m, 0, n, True, out)
        return out

    def root(self, n: int) -> bytes:
        return self.subtree(0, n) if n else hashlib.sha256(b"").digest()


def run_ck(rows: pd.DataFrame, batch: int, d: str) -> float:
    path = os.path.join(d, f"ck_{batch}.ckl")
    for q in (path, path + "-wal", path + "-shm"):
        if os.path.exists(q):
            os.remove(q)
    t = time.perf_counter()
    led = ck.Ledger(path)
    for s in range(0, len(rows), batch):
        led.append_many(rows.iloc[s:s + batch])
        led.commit()
    dt = time.perf_counter() - t
    assert len(led) == len(rows)
    return dt


def run_sqlite(rows: pd.DataFrame, batch: int, d: str) -> float:
    path = os.path.join(d, f"sq_{batch}.db")
    for q in (path, path + "-wal", path + "-shm"):
        if os.path.exists(q):
            os.remove(q)
    t = time.perf_counter()  # from the same DataFrame: the conversion to tuples is timed too
    recs = list(rows[["time", "kind", "item", "quantity", "unit", "from", "to", "actor", "need", "claim", "note"]]
                .itertuples(index=False, name=None))
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("CREATE TABLE movements (seq INTEGER PRIMARY KEY, time INTEGER, kind TEXT, item TEXT, "
                "quantity INTEGER, unit TEXT, src TEXT, dst TEXT, actor TEXT, need TEXT, claim TEXT, note TEXT)")
    for s in range(0, len(recs), batch):
        con.executemany("INSERT INTO movements (time, kind, item, quantity, unit, src, dst, actor, need, claim, note) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?)", recs[s:s + batch])
        con.commit()
    con.close()
    return time.perf_counter() - t


def run_pylog(rows: pd.DataFrame, batch: int, d: str) -> float:
    path = os.path.join(d, f"py_{batch}.log")
    for q in (path, path + "-wal", path + "-shm"):
        if os.path.exists(q):
            os.remove(q)
    t = time.perf_counter()
    cols = [rows[c].tolist() for c in ("kind", "item", "quantity", "unit", "from", "to", "time", "actor", "need",
                                      "claim", "note")]
    recs = list(zip(*cols))
    log = PyMerkleLog(path)
    for s in range(0, len(recs), batch):
        log.append_batch([encode(s + i, *r) for i, r in enumerate(recs[s:s + batch])])
    log.f.close()
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200_000, help="rows appended per durable run")
    ap.add_argument("--batches", default="100,1000,10000", help="batch sizes (rows per commit)")
    ap.add_argument("--proof-n", type=int, default=10_000_000, help="entries in the proof benchmark's log")
    ap.add_argument("--proofs", type=int, default=20_000, help="proofs timed per kind")
    ap.add_argument("--dir", default=None, help="where the files go (default: a temp dir, removed after)")
    ap.add_argument("--quick", action="store_true", help="smoke run: --n 4000 --proof-n 50000 --proofs 500")
    a = ap.parse_args()
    if a.quick:
        a.n, a.proof_n, a.proofs = 4000, 50_000, 500
    d = a.dir or tempfile.mkdtemp(prefix="ck_bench_ledger_")
    os.makedirs(d, exist_ok=True)
    print(f"crisiskit {ck.__version__}, Python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores, files in {d}")
    rows = make_rows(a.n)
    print(f"\n1. durable appends: {a.n} rows, file-backed, one commit (fsync) per batch; entries/s, best of 2")
    print(f"{'batch':>7} {'crisiskit':>12} {'sqlite WAL FULL':>16} {'py hashlib log':>15} {'ck÷sqlite':>10} {'ck÷pylog':>9}")
    for b in [int(x) for x in a.batches.split(",")]:
        n_rows = rows if b >= 1000 else rows.iloc[: min(len(rows), 50 * b * 4)]  # small batches: fewer rows
        res = {}
        for name, f in (("ck", run_ck), ("sq", run_sqlite), ("py", run_pylog)):
            best = min(f(n_rows, b, d) for _ in range(2))
            for p in os.listdir(d):
                os.remove(os.path.join(d, p))
            res[name] = best
        rate = {k: len(n_rows) / v for k, v in res.items()}
        print(f"{b:>7} {rate['ck']:>12,.0f} {rate['sq']:>16,.0f} {rate['py']:>15,.0f} "
              f"{res['ck'] / res['sq']:>10.3f} {res['ck'] / res['py']:>9.3f}   ({len(n_rows)} rows)")

    print(f"\n2. proofs on a {a.proof_n:,}-entry log (built once, in memory)")
    t = time.perf_counter()
    led = ck.Ledger()
    chunk = 1_000_000
    base = make_rows(min(chunk, a.proof_n), seed=2)
    for s in range(0, a.proof_n, chunk):
        part = base.iloc[: min(chunk, a.proof_n - s)].copy()
        part["time"] = T0 + 10**6 + s // 10
        led.append_many(part)
        led.commit()
    build_ck = time.perf_counter() - t
    n = len(led)
    t = time.perf_counter()
    py = PyMerkleLog(None)
    py.append_hashes([led.leaf_hash(i) for i in range(n)])  # the same leaves; peer hashes its own interior nodes
    build_py = time.perf_counter() - t
    assert py.root(n) == led.root()
    print(f"   build: crisiskit {build_ck:.1f} s from DataFrames (validate, encode, hash, tree); "
          f"python level array over the same leaf hashes {build_py:.1f} s (leaf-hash fetch included)")
    rng = random.Random(7)
    idx = [rng.randrange(n) for _ in range(a.proofs)]
    olds = [rng.randrange(1, n) for _ in range(a.proofs)]
    root = led.root()
    out = {}
    for name, f in (
        ("ck incl", lambda: [led.inclusion_proof(i) for i in idx]),
        ("py incl", lambda: [py.inclusion_proof(i, n) for i in idx]),
        ("ck cons", lambda: [led.consistency_proof(m) for m in olds]),
        ("py cons", lambda: [py.consistency_proof(m, n) for m in olds]),
        ("ck verify incl", lambda: [ck.verify_inclusion(i, n, root, led.inclusion_proof(i), leaf_hash=led.leaf_hash(i))
                                    for i in idx[:2000]]),
    ):
        reps = []
        for _ in range(3):
            t = time.perf_counter()
            r = f()
            reps.append(time.perf_counter() - t)
        out[name] = min(reps) / len(r) * 1e6
    for i in idx[:50]:
        assert led.inclusion_proof(i) == py.inclusion_proof(i, n)
    for m in olds[:50]:
        assert led.consistency_proof(m) == py.consistency_proof(m, n)
    print(f"   inclusion proof:   crisiskit {out['ck incl']:.2f} µs, python {out['py incl']:.2f} µs, "
          f"ratio {out['ck incl'] / out['py incl']:.3f}")
    print(f"   consistency proof: crisiskit {out['ck cons']:.2f} µs, python {out['py cons']:.2f} µs, "
          f"ratio {out['ck cons'] / out['py cons']:.3f}")
    print(f"   proof + leaf hash + ck.verify_inclusion round trip: {out['ck verify incl']:.2f} µs")
    if a.dir is None:
        shutil.rmtree(d, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
