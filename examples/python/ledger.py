"""Sunshine ledger (阳光台账): record relief material from donation to hand-out,
publish a root, and let an auditor check one entry and the log's growth
without the ledger.

    .venv/bin/python examples/python/ledger.py
"""

import os
import tempfile

import pandas as pd

import crisiskit as ck

path = os.path.join(tempfile.mkdtemp(), "relief-2026-07.ckl")
led = ck.Ledger(path)  # a file: every commit is on disk before it returns

# A day of movements, as a warehouse clerk would enter them (times in Beijing time).
day = pd.DataFrame([
    ("DONATION", "drinking_water", 500, "bottle", "红十字会", "warehouse-A", "08:00", "need-1", ""),
    ("PURCHASE", "tent", 40, "pcs", "supplier-7", "warehouse-A", "08:30", "", ""),
    ("MOVE", "drinking_water", 200, "bottle", "warehouse-A", "station-B", "09:00", "need-1", ""),
    ("HAND_OUT", "drinking_water", 150, "bottle", "station-B", "community-X", "10:00", "need-1", "claim-3"),
    ("HAND_OUT", "tent", 20, "pcs", "warehouse-A", "community-Y", "10:30", "", ""),
    ("RETURN", "drinking_water", 10, "bottle", "community-X", "station-B", "15:00", "", ""),
    ("WRITE_OFF", "drinking_water", 5, "bottle", "station-B", "damaged in transit", "16:00", "", ""),
], columns=["kind", "item", "quantity", "unit", "from", "to", "time", "need", "claim"])
day["time"] = pd.to_datetime("2026-07-20 " + day["time"]).dt.tz_localize("Asia/Shanghai")
led.append_many(day)
print("committed:", led.commit(), "entries;", led)

# A hand-out the books cannot cover is refused, naming row, field and value.
try:
    led.append("HAND_OUT", "drinking_water", 100, unit="bottle", from_="station-B", to="community-Z",
               time="2026-07-20T17:00:00+08:00")
except ValueError as e:
    print("refused:", e)

print("\nbalances:\n", led.balances().to_string(index=False))
print("\nwhere did the water for need-1 go?\n",
      led.trace("need-1")[["time", "kind", "quantity", "from", "to", "hop"]].to_string())

# Publish (size, root) — e.g. on the county's website every evening.
size, root = len(led), led.root_hex()
print(f"\npublished: size={size} root={root}")

# Next day: more entries; the auditor gets proofs, not the ledger.
led.append("HAND_OUT", "drinking_water", 30, unit="bottle", from_="station-B", to="community-Z",
           time="2026-07-21T09:00:00+08:00", need="need-1")
led.commit()
i = 3
ok_entry = ck.verify_inclusion(i, len(led), led.root(), led.inclusion_proof(i), entry=led.entry_bytes(i))
ok_grew = ck.verify_consistency(size, len(led), root, led.root(), led.consistency_proof(size))
print(f"auditor: entry {i} is in the log: {ok_entry}; the log only grew since the published root: {ok_grew}")
print("verify():", led.verify())

# SM3 for deployments that require Chinese cryptography (GB/T 32905).
print("SM3 root of the same entries:",
      ck.merkle_root([led.entry_bytes(k) for k in range(len(led))], hash="sm3").hex()[:16], "…")
