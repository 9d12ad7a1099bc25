"""The closed-loop incident lifecycle (事件闭环) on a rainstorm morning.

    PYTHONPATH=python python examples/python/incident.py

Reports come in from grid workers, the command centre dispatches them,
departments sign, handle and report back, the centre assesses; one
resident is unhappy and the case is reopened. Then: what is overdue at
noon, the day's KPIs per department, and a CAD export imported into the
same kind of log.
"""

import os

import pandas as pd

import crisiskit as ck

pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 12)

t = lambda hhmm: f"2026-07-20T{hhmm}:00+08:00"  # noqa: E731  local time in the city

log = ck.IncidentLog()  # the source's SLAs: 首报 1 h, 黄金4小时, experts 30 min, level deadlines
log.report("R-001", at=t("07:10"), occurred_at=t("06:50"), kind="waterlogging", place="地铁5号线-A口",
           level="WARNING", actor="网格员-17", department="grid-3")
log.report("R-002", at=t("07:25"), kind="trapped residents", place="幸福小区", level="EMERGENCY",
           occurred_at=t("07:05"), actor="12345 hotline")
log.report("R-003", at=t("08:40"), kind="fallen tree", place="解放路", level="GENERAL")
log.report("R-004", at=t("09:00"), occurred_at=t("07:30"), kind="power cut", place="敬老院-3", level="ATTENTION")

log.dispatch("R-001", at=t("07:15"), department="drainage", actor="dispatcher-2")
log.sign("R-001", at=t("07:22"), actor="王工")
log.on_site("R-001", at=t("07:35"), actor="expert team 1")
log.public_info("R-001", at=t("09:00"), actor="press office")
log.handle("R-001", at=t("10:30"))
log.feedback("R-001", at=t("10:45"))
log.assess("R-001", at=t("11:00"), satisfaction=2, actor="综治中心")
log.reopen("R-001", at=t("11:05"), actor="12345 hotline")  # the resident says the water is back
log.dispatch("R-001", at=t("11:10"), department="drainage")

log.dispatch("R-002", at=t("07:27"), department="fire-rescue")
log.sign("R-002", at=t("07:28"))  # EMERGENCY: due immediately, so this is late
log.on_site("R-002", at=t("07:50"))
log.handle("R-002", at=t("09:40"))
log.feedback("R-002", at=t("09:55"))
log.assess("R-002", at=t("10:30"), satisfaction=5)

log.dispatch("R-003", at=t("08:50"), department="greening")
log.dispatch("R-004", at=t("09:05"), department="power")
log.sign("R-004", at=t("09:20"))

try:
    log.sign("R-003", at=t("08:45"))  # before its dispatch: time must not go backwards
except ValueError as e:
    print("refused:", e)
try:
    log.assess("R-004", at=t("10:00"))
except ck.StateError as e:
    print("refused:", e)

print(log)
print("\nOverdue at noon (which incident, which SLA, due, how late):")
print(log.overdue(t("12:00")).to_string(index=False))
print("\nKPIs for the day (local days, +08:00), per department:")
k = log.kpis("1D", by="department", offset="+08:00", at=t("12:00"))
print(k[["department", "reported", "dispatch_median_s", "sign_p90_s", "closure_rate", "reopen_rate",
         "satisfaction_mean", "response_on_time_rate"]].to_string(index=False))
print("\nTransitions of R-001:")
tr = log.transitions_frame()
print(tr[tr["incident"] == "R-001"][["from_state", "to_state", "at", "actor", "department"]].to_string(index=False))

cad = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "cad_sample.csv")
r = ck.read_cad(cad, tz="America/New_York", feedback_at_close=True)
print(f"\nCAD export: {r.rows} unit rows -> {len(r.log)} incidents, {len(r.problems)} rows left out, "
      f"{r.filled} cells filled")
print(r.problems[["row", "field", "value"]].to_string(index=False))
print(r.log.kpis("1D", by="department")[["department", "reported", "dispatch_median_s", "sign_median_s",
                                          "closure_rate"]].to_string(index=False))
