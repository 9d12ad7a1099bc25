"""Four-level alert grading from Python — the twin of examples/cpp/grading_demo.cpp.

    .venv/bin/python examples/python/grading.py
"""

import numpy as np
import pandas as pd

import crisiskit as ck

board = ck.AlertBoard()  # default policy (25/50/75/90) and plan (2 h / 4 h / 12 h / immediately)
places = ["riverside-estate", "north-school", "old-town-market"]
start = pd.Timestamp("2026-07-20 06:00", tz="Asia/Shanghai")
for h in range(37):
    peak = 100.0 * np.exp(-0.5 * ((h - 12) / 5.0) ** 2)  # a rain peak around hour 12
    board.update(places, np.array([0.97 * peak, 0.6 * peak, 0.3 * peak + 10]), start + pd.Timedelta(hours=h))

timeline = board.history()
timeline["time"] = timeline["time"].dt.tz_convert("Asia/Shanghai")
print(timeline[["time", "subject", "from_level", "to_name", "score"]].to_string(index=False))
print()
print(board.obligations()[["subject", "name_zh", "name", "due"]].to_string(index=False))
print()
print(ck.to_cap(board.cap_messages(offset="+08:00")[0]))
