"""Two generations of a state's report at once never carry a dispense twice: the state's
generation lock (``pdmp_state_locks``, in ``lienrx.core.locks.ORDER``) makes the second wait
for the first to commit, then it sees what the first reported.

Each request runs on its own thread with its own database connection. Selection is slowed
down so that, without the lock, both would read the day's dispenses before either commits.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from lienrx.core import locks
from lienrx.extensions import db
from lienrx.pdmp import records
from lienrx.pdmp.models import PdmpReport
from tests.pdmp.conftest import FILL_DAY, after


def test_the_state_generation_lock_has_its_place_in_the_lock_order():
    assert locks.ORDER.index("pdmp_state_locks") == locks.ORDER.index("audit_chain_heads") - 1


def test_two_generations_for_the_same_state_and_date_never_carry_a_dispense_twice(
        app, api_as, day, monkeypatch):
    selecting = records.select

    def slow_select(*args: Any, **kwargs: Any) -> Any:
        found = selecting(*args, **kwargs)
        time.sleep(0.5)  # the window in which an unlocked twin would read the same records
        return found

    monkeypatch.setattr(records, "select", slow_select)
    after(FILL_DAY)
    tokens = [api_as("pharmacist").token for _ in range(2)]
    barrier = threading.Barrier(2)
    answers: list[Any] = []

    def fire(token: str) -> None:
        client = app.test_client()
        barrier.wait()
        answers.append(client.post("/api/v1/pdmp/reports", json={"report_date": "2026-11-18"},
                                   headers={"Authorization": f"Bearer {token}"}))

    threads = [threading.Thread(target=fire, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(a.status_code for a in answers) == [201, 201], [a.json for a in answers]
    assert sorted(a.json["record_count"] for a in answers) == [0, 3]
    with app.app_context():
        carried = [r.dispense_id for report in db.session.query(PdmpReport)
                   for r in report.records]
    assert sorted(carried) == sorted({day.cream, day.zolpidem_partial, day.gabapentin})
