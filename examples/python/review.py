"""After-action review (复盘) of a small rainstorm, from Python.

The alerts come from an AlertBoard run (its history and obligations are read
as they are), the incidents and their transitions are hand-made tables in the
shape ck.IncidentLog writes, the unmet need comes from a small ck.match run,
and the public opinion is an hourly negative-share series with two
transparent updates. Prints the scores, POD/FAR/CSI per level and the
Markdown report, and draws the figure."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd

import crisiskit as ck

T = pd.Timestamp("2026-07-20 06:00", tz="Asia/Shanghai")
H = pd.Timedelta(hours=1)
M = pd.Timedelta(minutes=1)

# --- alerts: the board grades five places hourly as the rain band passes ---
places = ["riverside", "school-2", "oldtown", "metro-5", "hillside"]
scores = {  # hour → score per place
    0: [30, 20, 10, 5, 5], 2: [80, 55, 30, 10, 5], 4: [95, 80, 35, 28, 5], 8: [60, 40, 30, 20, 5],
}
board = ck.AlertBoard()
for h in range(0, 25):
    s = scores.get(h, scores[max(k for k in scores if k <= h)])
    board.update(places, np.array(s, dtype=float), T + h * H)
for o in board.obligations().itertuples():  # most obligations are met, one late, the school's preparation open
    if o.subject != "school-2" or o.level < 3:
        board.complete(o.id, o.opened + (3 * H if o.subject == "oldtown" else 40 * M), "duty-officer")

# --- incidents and transitions (the lifecycle helper's tables) ---
def times(*hours):
    return [T + h * H if h is not None else pd.NaT for h in hours]

incidents = pd.DataFrame({
    "incident": ["E1", "E2", "E3", "E4", "E5"],
    "kind": ["flooding", "trapped", "flooding", "power", "landslide"],
    "place": ["riverside", "riverside", "school-2", "metro-5", "hillside"],
    "department": ["water", "fire", "education", "power", "land"],
    "level": ["WARNING", "EMERGENCY", "WARNING", "ATTENTION", ""],
    "occurred_at": times(3, 5, 6, 7, 9),
    "reported_at": times(3.5, 5.2, 6.3, 8.5, 10),
    "dispatched_at": times(3.6, 5.25, 6.5, 8.6, 10.2),
    "signed_at": times(3.7, 5.3, 7.0, 8.7, None),
    "handled_at": times(6, 8, 9, 12, None),
    "feedback_at": times(7, 9, None, 13, None),
    "assessed_at": times(None, None, None, None, None),
    "first_info_at": times(4, 6, 9, 11, None),
    "on_site_at": times(4.0, 5.5, 7.5, 9.0, None),
    "reopen_count": [0, 0, 1, 0, 0],
    "satisfaction": [0.9, 0.8, np.nan, 0.7, np.nan],
    "state": ["FEEDBACK", "FEEDBACK", "HANDLED", "FEEDBACK", "DISPATCHED"],
})
transitions = pd.DataFrame({
    "incident": ["E1", "E1", "E2", "E2", "E2", "E3", "E3", "E3", "E4"],
    "from_state": ["REPORTED", "DISPATCHED", "REPORTED", "DISPATCHED", "SIGNED", "REPORTED", "DISPATCHED", "SIGNED",
                   "REPORTED"],
    "to_state": ["DISPATCHED", "SIGNED", "DISPATCHED", "SIGNED", "HANDLED", "DISPATCHED", "SIGNED", "HANDLED",
                 "DISPATCHED"],
    "at": times(3.6, 3.7, 5.25, 5.3, 8, 6.5, 7.0, 9, 8.6),
    "actor": ["ops"] * 9,
    "department": ["grid", "water", "grid", "fire", "water", "grid", "education", "police", "power"],
})

# --- need left unmet: a small matching on a 5 × 5 grid ---
side = 5
x, y = np.meshgrid(np.arange(side), np.arange(side))
node = (y * side + x).ravel()
right, up = node[(x < side - 1).ravel()], node[(y < side - 1).ravel()]
net = ck.RoadNetwork(side * side, np.concatenate([right, up]), np.concatenate([right + 1, up + side]),
                     length_m=300.0, speed_kmh=30.0)
supplies = pd.DataFrame({"id": ["depot"], "node": [0], "type": ["water"], "quantity": [120]})
needs = pd.DataFrame({"id": ["nursing home", "school", "residents"], "node": [12, 18, 24],
                      "type": ["water"] * 3, "quantity": [40, 60, 50],
                      "priority": ["nursing_home", "school", "residential"], "deadline_min": [30, 30, 30]})
matched = ck.match(net, supplies, needs)

# --- public opinion: 40 % negative, hourly transparent updates from hour 6 ---
hours = np.arange(0, 40)
share = np.where(hours < 6, 0.40, np.where(hours < 12, 0.15, 0.05))
heat = np.where(hours < 6, 1000, np.where(hours < 24, 500, 180))
opinion = pd.DataFrame({"at": [T + int(h) * H for h in hours],
                        "n_negative": (share * heat).round(), "n_total": heat})
releases = [T + 6 * H, T + 12 * H]

rev = ck.review(incidents, transitions, alerts=board.history(), obligations=board.obligations(),
                needs=matched, opinion=opinion, releases=releases,
                population={"riverside": 5200, "school-2": 1400, "metro-5": 800, "hillside": 300},
                as_of=T + 48 * H)
print(rev)
print()
c = rev.evidence["contingency"]
print(c[["level", "alerts", "hits", "misses", "false_alarms", "pod", "far", "csi"]]
      .rename(columns={"pod": "POD", "far": "FAR", "csi": "CSI"}).to_string(index=False))
print()
print(rev.to_markdown())
fig = rev.plot()  # fig.savefig("review.png") to keep it
print("figure:", len(fig.axes), "panels")
