"""Parameter sweeps of the scenario engine, locally or on a Dask cluster.

``ck.scenario.sweep(city, plans, seeds, start=...)`` runs
:func:`ck.scenario.run` once per plan × seed and tabulates the KPIs, one
row per run in plan-major, seed-minor order whatever order the runs finish
in. Without a client the runs go one after the other (or on a small thread
pool); with a ``dask.distributed.Client``
each run is one task on the cluster. Every task is a pure function of
pickle-friendly arguments (the city, a frozen :class:`Plan`, an int seed,
the run's keyword arguments) that returns a plain dict, so the frame is the
same, to the bit, wherever the runs went.
"""

from __future__ import annotations

import inspect
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from ._errors import invalid

__all__ = ["sweep"]


def _build_city(params: Mapping[str, Any]) -> Any:
    """``generate_city(**params)``; a module-level function so that Dask can ship it by name."""
    from .scenario import generate_city
    return generate_city(**dict(params))


def _kpi_row(city: Any, plan: Any, seed: int, hazard: str, run_kwargs: Mapping[str, Any]) -> Dict[str, Any]:
    """One run's ``plan``, ``seed`` and KPIs as a dict (the task a sweep runs; pure, reads no globals)."""
    return _run_in_turn(city, [(plan, seed)], hazard, run_kwargs)[0]


def _run_in_turn(city: Any, jobs: Sequence[Any], hazard: str, run_kwargs: Mapping[str, Any],
                 progress: Optional[Callable[[int, int], None]] = None,
                 on_result: Optional[Callable[[Any], None]] = None) -> List[Dict[str, Any]]:
    """The (plan, seed) jobs one after the other in this process: the sequential
    sweep and :func:`ck.scenario.compare` (which adds the progress and result callbacks)."""
    from .simulation import run
    rows = []
    for i, (p, s) in enumerate(jobs):
        cb = None
        if progress is not None:
            def cb(k: int, n: int, i: int = i) -> None:
                progress(i * n + k, len(jobs) * n)
        r = run(city, hazard, p, seed=int(s), progress=cb, **dict(run_kwargs))
        if on_result is not None:
            on_result(r)
        rows.append({"plan": r.plan.name, "seed": int(s), **r.kpis().to_dict()})
    return rows


def _check_plans(plans: Any) -> List[Any]:
    from .simulation import Plan, _resolve_plan
    if isinstance(plans, (str, Plan)):
        plans = [plans]
    out = [_resolve_plan(p, "plans", i) for i, p in enumerate(plans)]
    if not out:
        raise invalid("plans", None, plans, "must name at least one plan")
    return out


def _check_seeds(seeds: Any) -> List[int]:
    if isinstance(seeds, (int, np.integer)):
        seeds = [seeds]
    out = []
    for i, s in enumerate(seeds):
        if isinstance(s, (bool, np.bool_)) or not (isinstance(s, (int, np.integer)) and 0 <= int(s) < 2**63):
            raise invalid("seeds", i, s, "must be an integer in [0, 2^63)")
        out.append(int(s))
    if not out:
        raise invalid("seeds", None, seeds, "must hold at least one seed")
    return out


def _check_city(city_or_params: Any) -> Any:
    from .scenario import City, generate_city
    if isinstance(city_or_params, City):
        return city_or_params
    if isinstance(city_or_params, Mapping):
        names = set(inspect.signature(generate_city).parameters)
        for k in city_or_params:
            if k not in names:
                raise invalid("city_or_params", None, k, f"is not a generate_city parameter ({sorted(names)})")
        return dict(city_or_params)
    raise invalid("city_or_params", None, type(city_or_params).__name__,
                  "must be a ck.scenario.City or a dict of generate_city parameters")


def sweep(city_or_params: Any, plans: Sequence[Any] = ("A", "B", "C"), seeds: Sequence[int] = (0,), *,
          client: Any = None, hazard: str = "rainstorm", threads: Optional[int] = None,
          **run_kwargs: Any) -> pd.DataFrame:
    """Run every plan on every seed, locally or on a Dask cluster, and tabulate the KPIs.

    Parameters
    ----------
    city_or_params : City or dict
        A city from :func:`generate_city`, or that function's keyword
        arguments (``{"population": 200_000, "seed": 3}``). With a client, a
        ``City`` is sent to every worker once (``client.scatter(city,
        broadcast=True)``: the C++ snapshot bytes, not one copy per task);
        parameters are turned into the city by one task on the cluster, which
        every run depends on, so the city never passes through the client
        and Dask copies it at most once to each worker. Without a client,
        parameters are built into a city here.
    plans : sequence of Plan or preset names
        ``"A"``, ``"B"``, ``"C"`` (``ck.scenario.PLANS``) or :class:`Plan`;
        a single name or Plan is one plan.
    seeds : sequence of int
        Each seed fixes the hazard and the delays; every plan sees the same
        (a single int is one seed).
    client : dask.distributed.Client, optional
        Run each (plan, seed) as one task on this client's cluster. The
        frame is identical to the local one for the same arguments (the
        runs are deterministic and nothing is shared between them).
    hazard : {"rainstorm", "crowd"}
    threads : int, optional
        Without a client: run on this many threads; default one after the
        other. Results are the same either way. The C++ cores release the
        GIL but much of a run is pandas that holds it: on 2 cores, 2 threads
        were no faster (0.83–1.01×, benchmarks/README.md) while a 2-process
        Dask ``LocalCluster`` was 1.5–1.8× faster.
    **run_kwargs :
        Passed to :func:`run` (``start`` is required; ``hours``, ``step``,
        ``hazard_params``, …). Must pickle when a client is given.

    Returns
    -------
    pandas.DataFrame
        One row per plan × seed in the order of ``plans`` then ``seeds``:
        ``plan``, ``seed``, then ``KPI_COLUMNS`` (the same as :func:`compare`).

    Raises
    ------
    ValueError
        ``InvalidInput`` naming the argument, position and value (an
        unknown plan, a negative seed, a parameter ``generate_city`` does
        not take); a run's own ``ValueError`` (e.g. a missing ``start``)
        is raised as is, also from a cluster.

    Examples
    --------
    >>> import crisiskit as ck
    >>> k = ck.scenario.sweep({"population": 20_000, "seed": 1}, ["A", "C"], [0, 1],
    ...                       start="2026-07-20T00:00:00+08:00", hours=4)
    >>> k[["plan", "seed"]].values.tolist()
    [['A', 0], ['A', 1], ['C', 0], ['C', 1]]

    On a cluster (``dask[distributed]``)::

        from dask.distributed import Client, LocalCluster
        with LocalCluster(n_workers=4, threads_per_worker=1) as cluster, Client(cluster) as client:
            k = ck.scenario.sweep(city, ["A", "B", "C"], range(20), client=client, start=t0, hours=72)
    """
    from .simulation import KPI_COLUMNS
    city = _check_city(city_or_params)
    plan_list, seed_list = _check_plans(plans), _check_seeds(seeds)
    if hazard not in ("rainstorm", "crowd"):
        raise invalid("hazard", None, hazard, "must be 'rainstorm' or 'crowd'")
    if threads is not None and not (isinstance(threads, (int, np.integer)) and threads >= 1):
        raise invalid("threads", None, threads, "must be None or an integer ≥ 1")
    jobs = [(p, s) for p in plan_list for s in seed_list]
    columns = ["plan", "seed", *KPI_COLUMNS]

    if client is not None:
        if isinstance(city, dict):
            city_ref = client.submit(_build_city, city, pure=True)
        else:
            city_ref = client.scatter(city, broadcast=True)
        futures = [client.submit(_kpi_row, city_ref, p, s, hazard, run_kwargs, pure=False) for p, s in jobs]
        rows = client.gather(futures)  # in submission order, whichever finished first
        return pd.DataFrame(rows, columns=columns)

    if isinstance(city, dict):
        city = _build_city(city)
    if threads is None or threads == 1 or len(jobs) == 1:
        rows = _run_in_turn(city, jobs, hazard, run_kwargs)
    else:
        # Build the city's lazily memoised tables once, before the threads share it.
        for key in ("places", "cells", "sites"):
            city._memo(key, getattr(city, f"_make_{key}"))
        city._memo("roads_raw", city._core._roads)
        with ThreadPoolExecutor(max_workers=int(threads)) as pool:
            rows = list(pool.map(lambda job: _kpi_row(city, job[0], job[1], hazard, run_kwargs), jobs))
    return pd.DataFrame(rows, columns=columns)
