"""The request is the unit of work: one commit on success, a rollback on any error, and one
named path (``keeping_facts``) for a refusal that keeps what it found."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from lienrx import create_app
from lienrx.audit import services as audit
from lienrx.audit.models import AuditEvent
from lienrx.core import unit_of_work
from lienrx.core.errors import Conflict
from lienrx.extensions import db
from lienrx.parties.models import LawFirm
from tests.conftest import test_settings as settings_for


def actions(app: Flask) -> list[str]:
    with app.app_context():
        found = list(db.session.execute(sa.select(AuditEvent.action).order_by(AuditEvent.id))
                     .scalars())
        db.session.remove()
        return found


def firms(app: Flask) -> list[str]:
    with app.app_context():
        found = list(db.session.execute(sa.select(LawFirm.name)).scalars())
        db.session.remove()
        return found


@pytest.fixture
def probe(database_url: str) -> Flask:
    """An application with routes that write, then succeed, fail or refuse."""
    application = create_app(settings_for(database_url))

    def write(name: str) -> None:
        db.session.add(LawFirm(name=name))
        db.session.flush()
        audit.record(None, f"probe.{name}", "law_firm")

    @application.route("/probe/ok")
    def ok() -> Any:
        write("ok")
        return "done"

    @application.route("/probe/crash")
    def crash() -> Any:
        write("crash")
        raise RuntimeError("boom")

    @application.route("/probe/refuse")
    def refuse() -> Any:
        write("refused")
        raise Conflict("probe_refused")

    @application.route("/probe/refuse-keeping-facts")
    def refuse_keeping_facts() -> Any:
        write("kept")
        raise unit_of_work.keeping_facts(Conflict("probe_refused"))

    @application.route("/probe/page-refusal")
    def page_refusal() -> Any:
        write("read-before")  # e.g. the page's audited read
        try:
            unit_of_work.attempt(write_then_refuse)
        except Conflict:
            return "shown next to the form", 409
        return "unreachable"

    def write_then_refuse() -> None:
        write("undone")
        raise Conflict("probe_refused")

    return application


def test_a_request_that_succeeds_commits_its_work_and_audit(probe):
    assert probe.test_client().get("/probe/ok").status_code == 200
    assert "ok" in firms(probe) and "probe.ok" in actions(probe)


def test_a_request_that_fails_leaves_nothing(probe):
    assert probe.test_client().get("/probe/crash").status_code == 500
    assert "crash" not in firms(probe) and "probe.crash" not in actions(probe)


def test_a_refusal_rolls_back_its_work(probe):
    assert probe.test_client().get("/probe/refuse").status_code == 409
    assert "refused" not in firms(probe) and "probe.refused" not in actions(probe)


def test_a_refusal_keeping_facts_commits_them(probe):
    assert probe.test_client().get("/probe/refuse-keeping-facts").status_code == 409
    assert "kept" in firms(probe) and "probe.kept" in actions(probe)


def test_a_page_refusal_undoes_the_attempt_and_keeps_the_rest(probe):
    assert probe.test_client().get("/probe/page-refusal").status_code == 409
    assert "read-before" in firms(probe) and "undone" not in firms(probe)
    assert "probe.read-before" in actions(probe) and "probe.undone" not in actions(probe)


def test_a_failed_sign_in_keeps_its_audit_record(api_as, anonymous, app):
    user = api_as("billing")
    with app.app_context():
        from lienrx.auth.models import User

        email = db.session.get(User, user.user_id).email
    response = anonymous.post("/api/v1/auth/token", json={"email": email, "password": "wrong"})
    assert response.status_code == 401
    assert actions(app).count("auth.failed") == 1
