"""The built-in grading example: a summer storm over one district.

Six places of a fictional riverside district (低洼社区, 老旧小区, 养老院, 学校,
地铁站, 新区) are scored hourly for 48 hours while a rain band passes. Each
place's score is the rain's intensity times the place's exposure, plus a
little seeded noise. The duty office works through the obligations the
alerts open — mostly on time, but one nursing-home report is forgotten, so
the board (with ``escalate_overdue=True``) escalates that place.

This stands in for the flagship rainstorm scenario until the scenario engine
lands; ``crisiskit demo`` runs it.
"""

from __future__ import annotations

import dataclasses
import os
from typing import List, TextIO

import numpy as np
import pandas as pd

from . import _core as ck
from . import write_cap

START = "2026-07-20T06:00:00+08:00"
OFFSET = "+08:00"

# id, Chinese name, exposure (how strongly the place feels the rain), lat, lon
PLACES = [
    ("riverside-lowland", "滨江低洼社区", 1.00, 30.2420, 120.1710),
    ("old-town-estate", "老城老旧小区", 0.85, 30.2551, 120.1634),
    ("sunshine-nursing-home", "阳光养老院", 0.80, 30.2610, 120.1820),
    ("no2-primary-school", "第二实验小学", 0.62, 30.2702, 120.1553),
    ("metro-line2-xihu", "地铁2号线西湖站", 0.72, 30.2587, 120.1498),
    ("north-new-town", "城北新区", 0.40, 30.3001, 120.1702),
]


@dataclasses.dataclass
class DemoResult:
    board: ck.AlertBoard
    timeline: pd.DataFrame
    obligations: pd.DataFrame
    cap_files: List[str]


def scores(hours: int = 48, seed: int = 20260720) -> np.ndarray:
    """Hourly scores, shape (hours + 1, places), on the 0–100 scale."""
    rng = np.random.default_rng(seed)
    h = np.arange(hours + 1, dtype=float)[:, None]
    # a main rain band peaking at hour 14 and a weaker second one at hour 30
    rain = 100 * np.exp(-0.5 * ((h - 14) / 5.0) ** 2) + 55 * np.exp(-0.5 * ((h - 30) / 3.0) ** 2)
    exposure = np.array([p[2] for p in PLACES])[None, :]
    s = rain * exposure + rng.normal(0, 2.5, size=(hours + 1, len(PLACES))) + 5
    return np.clip(s, 0, 100)


def run(out_dir: str | None = "crisiskit-demo", hours: int = 48, stream: TextIO | None = None) -> DemoResult:
    """Run the example; print the timeline to ``stream``; write CAP files to ``out_dir``."""
    ids = [p[0] for p in PLACES]
    zh = {p[0]: p[1] for p in PLACES}
    board = ck.AlertBoard(escalate_overdue=True)
    t0 = ck.parse_time(START)
    s = scores(hours)
    for h in range(hours + 1):
        now = t0 + 3600 * h
        board.update(ids, s[h], now)
        # The duty office: acknowledges at once and completes each obligation
        # at half its allowed time — except the nursing home's information
        # report, which nobody files.
        ob = board.obligations()
        for row in ob[ob["status"] != "COMPLETED"].itertuples():
            allowed = int((row.due - row.opened).total_seconds())
            opened = int(row.opened.timestamp())
            if row.status == "OPEN":
                board.acknowledge(int(row.id), now, actor="duty officer")
            forgotten = row.subject == "sunshine-nursing-home" and row.name == "information report"
            if not forgotten and now >= opened + allowed // 2:
                board.complete(int(row.id), now, actor="duty officer")

    timeline = board.history()
    obligations = board.obligations(at=t0 + 3600 * hours)
    if stream is not None:
        _print(stream, timeline, obligations, zh)

    files: List[str] = []
    if out_dir is not None:
        areas = {
            p[0]: ck.CapArea(f"{p[1]} ({p[0]})", circles=[ck.CapCircle(p[3], p[4], 1.0)])
            for p in PLACES
        }
        msgs = board.cap_messages(
            sender="duty-office@riverside.example.gov.cn",
            sender_name="滨江区应急指挥中心 Riverside District Command Centre",
            identifier_prefix="riverside-demo",
            offset=OFFSET,
            status="Exercise",
            event="暴雨 Rainstorm",
            category="Met",
            areas=areas,
        )
        files = write_cap(msgs, os.path.join(out_dir, "cap"))
        timeline.assign(time=timeline["time"].dt.tz_convert("Asia/Shanghai")).to_csv(
            os.path.join(out_dir, "timeline.csv"), index=False
        )
        if stream is not None:
            stream.write(f"\nwrote {len(files)} CAP 1.2 files to {os.path.join(out_dir, 'cap')}/ "
                         f"and the timeline to {os.path.join(out_dir, 'timeline.csv')}\n")
    return DemoResult(board, timeline, obligations, files)


def _pad(text: str, width: int) -> str:
    # CJK characters take two terminal columns; pad by display width.
    import unicodedata

    w = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - w)


def _local(ts: pd.Timestamp) -> str:
    return ck.format_time(ts, OFFSET) if ts is not None and not pd.isna(ts) else "-"


def _print(out: TextIO, timeline: pd.DataFrame, ob: pd.DataFrame, zh: dict) -> None:
    out.write(f"crisiskit grading demo — a storm over Riverside District, 48 h from {START}\n")
    out.write("policy: thresholds 25/50/75/90, margin 5, dwell 2/4/12/12 h; overdue obligations escalate\n\n")
    out.write("ALERT TIMELINE (+08:00)\n")
    for tr in timeline.itertuples():
        arrow = "↑" if tr.to_level > tr.from_level else "↓"
        frm = ck.AlertLevel(tr.from_level)
        to = ck.AlertLevel(tr.to_level)
        colour = ck.warning_color(to).name.lower() if to != ck.AlertLevel.NONE else "all clear"
        out.write(
            f"  {_local(tr.time)}  {_pad(zh[tr.subject], 16)} {arrow} {frm.name:<9} → {to.name:<9} "
            f"{_pad(ck.name_zh(to), 4)} {colour:<9} score {tr.score:5.1f}  {tr.reason}\n"
        )
        opened = ob[(ob["transition"] == tr.Index)]
        for o in opened.itertuples():
            due = "immediately" if o.due == o.opened else f"due {_local(o.due)}"
            out.write(f"{'':38}opens #{o.id}: {o.name_zh} {o.name}, {due}\n")
    out.write("\nOBLIGATIONS\n")
    for o in ob.itertuples():
        if o.status == "COMPLETED":
            late = o.completed_at > o.due
            state = f"completed {_local(o.completed_at)}" + (" LATE" if late else " on time")
        else:
            state = f"{o.status.lower()}, OVERDUE by {o.late_by}" if not pd.isna(o.late_by) else o.status.lower()
        out.write(f"  #{o.id:<3} {_pad(zh[o.subject], 16)} {o.name_zh} {o.name:<22} due {_local(o.due)}  {state}\n")
    n_over = int(ob["late_by"].notna().sum())
    out.write(f"\n{len(timeline)} transitions, {len(ob)} obligations, {n_over} overdue at the end\n")
