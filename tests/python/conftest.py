import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED_DATA = os.path.join(os.path.dirname(REPO), "shared", "data")


@pytest.fixture
def t0():
    import crisiskit as ck

    return ck.parse_time("2026-07-20T08:00:00+08:00")
