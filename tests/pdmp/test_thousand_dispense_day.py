"""A 1,000-dispense day through the database: selected, written, stored, valid."""

from __future__ import annotations

import time
from collections import Counter

from lienrx.core import clock
from lienrx.extensions import db
from lienrx.pdmp import services
from tests.pdmp import bulk
from tests.pdmp.asap_validator import assert_valid
from tests.pdmp.conftest import FILL_DAY, NEXT_DAY, after, at


def test_a_day_of_1000_controlled_dispenses_in_the_database_is_one_valid_file(app):
    clock.freeze(at(FILL_DAY, 9))
    with app.app_context():
        ids = bulk.controlled_day(FILL_DAY, 1000, moment=at(FILL_DAY, 14))
        db.session.commit()
    after(FILL_DAY)
    with app.app_context():
        start = time.perf_counter()
        report = services.generate(None, report_date=FILL_DAY)
        db.session.commit()
        seconds = time.perf_counter() - start
        segments = assert_valid(report.content)
        carried = sorted(r.dispense_id for r in report.records)
    assert report.record_count == 1000 and report.problems == []
    assert carried == sorted(ids)
    tags = Counter(s.tag for s in segments)
    assert (tags["PAT"], tags["DSP"], tags["PRE"], tags["CDI"]) == (250, 1000, 1000, 334)
    partials = Counter(s.get(13) for s in segments if s.tag == "DSP")
    assert partials == {"00": 916, "01": 84}  # every fourth zolpidem: a first partial
    assert seconds < 60, f"generating the 1,000-dispense day took {seconds:.1f}s"
    clock.freeze(at(NEXT_DAY, 19))
    with app.app_context():  # the next day re-checks the 1,000 reported records: unchanged
        assert services.generate(None, report_date=NEXT_DAY).zero_report
        db.session.commit()
