"""ck.scenario.sweep: plan × seed runs locally, on threads and on a Dask cluster, identical frames."""

import re

import pandas as pd
import pytest

import crisiskit as ck

T0 = pd.Timestamp("2026-07-20 00:00", tz="Asia/Shanghai")
# A small city floods under a heavier storm than the preset; 30 h covers every storm peak of seed 0/1.
RUN = {"start": T0, "hours": 30, "hazard_params": {"total_24h_mm": 1000.0}}
PARAMS = {"population": 30_000, "seed": 2}


@pytest.fixture(scope="module")
def city():
    return ck.scenario.generate_city(**PARAMS)


@pytest.fixture(scope="module")
def local(city):
    return ck.scenario.sweep(city, ["A", "B", "C"], [0, 1], **RUN)


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
        with distributed.Client(cl) as c:
            yield c


def test_local_shape_order_and_values(city, local):
    assert list(local.columns) == ["plan", "seed", *ck.scenario.KPI_COLUMNS]
    assert local[["plan", "seed"]].values.tolist() == [[p, s] for p in "ABC" for s in (0, 1)]
    # each row is exactly the KPIs of that single run
    r = ck.scenario.run(city, plan="C", seed=1, **RUN)
    pd.testing.assert_series_equal(local.iloc[5][list(ck.scenario.KPI_COLUMNS)].astype(float),
                                   r.kpis().rename(5).astype(float))
    # the seed matters (different storms, different people in need) and so does the plan
    assert local.people_in_need.iat[0] != local.people_in_need.iat[1]
    assert local.units_handed_out.iat[4] > local.units_handed_out.iat[0]


def test_deterministic_threads_params_and_compare(city, local):
    again = ck.scenario.sweep(city, ["A", "B", "C"], [0, 1], **RUN)
    pd.testing.assert_frame_equal(local, again)
    threaded = ck.scenario.sweep(ck.scenario.generate_city(**PARAMS), ["A", "B", "C"], [0, 1], threads=3, **RUN)
    pd.testing.assert_frame_equal(local, threaded)
    from_params = ck.scenario.sweep(PARAMS, ["C"], [1], **RUN)
    pd.testing.assert_frame_equal(local.iloc[[5]].reset_index(drop=True), from_params)
    pd.testing.assert_frame_equal(ck.scenario.compare(city, ["B"], [0], **RUN), local.iloc[[2]].reset_index(drop=True))


def test_custom_plan_and_order_follows_arguments(city):
    fast = ck.scenario.Plan("fast", report_delay_min=1.0)
    k = ck.scenario.sweep(city, [fast, "A"], [1, 0], start=T0, hours=3)
    assert k[["plan", "seed"]].values.tolist() == [["fast", 1], ["fast", 0], ["A", 1], ["A", 0]]


@pytest.mark.parametrize("kw, field", [
    ({"plans": ["A", "Z"]}, "plans[1]"), ({"plans": []}, "plans"), ({"seeds": [0, -1]}, "seeds[1]"),
    ({"seeds": [0.5]}, "seeds[0]"), ({"hazard": "quake"}, "hazard"), ({"threads": 0}, "threads"),
])
def test_bad_input_names_the_argument(city, kw, field):
    args = {"plans": ["A"], "seeds": [0], **kw}
    with pytest.raises(ValueError, match=re.escape(f"invalid {field} =")):
        ck.scenario.sweep(city, args.pop("plans"), args.pop("seeds"), start=T0, hours=2, **args)


def test_bad_city_argument():
    with pytest.raises(ValueError, match="invalid city_or_params = 'people'"):
        ck.scenario.sweep({"people": 5}, ["A"], [0], start=T0, hours=2)
    with pytest.raises(ValueError, match="invalid city_or_params = 'list'"):
        ck.scenario.sweep([1, 2], ["A"], [0], start=T0, hours=2)


def test_dask_city_scattered_once_identical(city, local, client, monkeypatch):
    calls = []
    real = client.scatter

    def counting(data, **kw):
        calls.append((type(data).__name__, kw.get("broadcast")))
        return real(data, **kw)

    monkeypatch.setattr(client, "scatter", counting)
    from distributed import get_task_stream
    with get_task_stream(client) as ts:
        on_dask = ck.scenario.sweep(city, ["A", "B", "C"], [0, 1], client=client, **RUN)
    pd.testing.assert_frame_equal(local, on_dask)
    assert calls == [("City", True)]  # the city went out once, to every worker, not once per task
    runs = [t for t in ts.data if str(t["key"]).startswith("_kpi_row")]
    assert len(runs) == 6
    assert len({t["worker"] for t in runs}) == 2  # both worker processes ran some of the runs


def test_dask_city_built_on_the_cluster_identical(local, client, monkeypatch):
    monkeypatch.setattr(client, "scatter", lambda *a, **k: pytest.fail("parameters must not be scattered"))
    on_dask = ck.scenario.sweep(PARAMS, ["C", "A"], [1, 0], client=client, **RUN)
    expect = local.set_index(["plan", "seed"]).loc[[("C", 1), ("C", 0), ("A", 1), ("A", 0)]].reset_index()
    pd.testing.assert_frame_equal(expect, on_dask)


def test_dask_run_errors_come_back(city, client):
    with pytest.raises(ValueError, match="invalid hours"):
        ck.scenario.sweep(city, ["A"], [0], client=client, start=T0, hours=-1)
