"""The request is the unit of work: one commit on success, a rollback on any error, and one
named path (``keeping_facts``) for a refusal that keeps what it found."""

from __future__ import annotations

import io
import sqlite3
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask, request

from lienrx import create_app
from lienrx.audit import services as audit
from lienrx.audit.models import AuditEvent
from lienrx.core import unit_of_work
from lienrx.core.errors import Conflict
from lienrx.extensions import csrf, db
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

    @application.route("/probe/lose-races", methods=["POST"])
    def lose_races() -> Any:
        write(f"try-{len(application.config['TRIES']) + 1}")
        upload = request.files.get("upload")
        application.config["TRIES"].append(upload.read() if upload else None)
        failures = application.config["FAILURES"]
        if failures:
            raise failures.pop(0)
        return "done"

    csrf.exempt(lose_races)  # a probe, not a form
    application.config.update(TRIES=[], FAILURES=[])
    return application


def lost(orig: Exception) -> sa.exc.OperationalError:
    """The error SQLAlchemy raises when the database ends the transaction with ``orig``."""
    return sa.exc.OperationalError("UPDATE prescriptions …", {}, orig)


DEADLOCK = psycopg.errors.DeadlockDetected("deadlock detected")
SERIALIZATION = psycopg.errors.SerializationFailure("could not serialize access")


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


@pytest.mark.parametrize("race", [DEADLOCK, SERIALIZATION], ids=["deadlock", "serialization"])
def test_a_request_that_lost_a_race_is_run_again_and_keeps_only_the_last_run(probe, race):
    probe.config["FAILURES"] = [lost(race)]
    response = probe.test_client().post("/probe/lose-races")
    assert response.status_code == 200 and response.text == "done"
    assert len(probe.config["TRIES"]) == 2
    assert [f for f in firms(probe) if f.startswith("try-")] == ["try-2"]
    assert [a for a in actions(probe) if a.startswith("probe.try-")] == ["probe.try-2"]


def test_a_request_is_run_at_most_three_times_then_503_with_retry_after(probe):
    probe.config["FAILURES"] = [lost(DEADLOCK) for _ in range(3)]
    response = probe.test_client().post("/probe/lose-races", headers={"Accept": "*/*"})
    assert len(probe.config["TRIES"]) == 1 + unit_of_work.RETRIES == 3
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert not [f for f in firms(probe) if f.startswith("try-")]
    assert not [a for a in actions(probe) if a.startswith("probe.try-")]


def test_503_under_the_api_is_problem_json_and_never_echoes_the_database_error(probe):
    probe.add_url_rule("/api/v1/probe/lose-races", "api_lose_races",
                       probe.view_functions["lose_races"], methods=["POST"])
    probe.config["FAILURES"] = [lost(DEADLOCK) for _ in range(3)]
    response = probe.test_client().post("/api/v1/probe/lose-races")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "temporarily_unavailable"
    assert response.headers["Retry-After"] == "1"
    assert "deadlock" not in response.text and "prescriptions" not in response.text


def test_sqlite_database_locked_after_its_busy_timeout_is_503_without_a_retry(probe):
    probe.config["FAILURES"] = [lost(sqlite3.OperationalError("database is locked"))]
    response = probe.test_client().post("/probe/lose-races")
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert len(probe.config["TRIES"]) == 1


def test_other_database_errors_are_not_retried(probe):
    probe.config["FAILURES"] = [lost(sqlite3.OperationalError("no such table: x"))]
    assert probe.test_client().post("/probe/lose-races").status_code == 500
    assert len(probe.config["TRIES"]) == 1


def test_a_run_again_reads_the_uploaded_file_from_its_start(probe):
    probe.config["FAILURES"] = [lost(DEADLOCK)]
    response = probe.test_client().post(
        "/probe/lose-races", data={"upload": (io.BytesIO(b"%PDF-1.7 agreement"), "a.pdf")})
    assert response.status_code == 200
    assert probe.config["TRIES"] == [b"%PDF-1.7 agreement"] * 2


def test_a_commit_that_lost_a_race_is_run_again(probe, monkeypatch):
    real_commit = unit_of_work._commit
    failures = [lost(DEADLOCK)]

    def commit_losing_once() -> None:
        if failures:
            db.session.rollback()
            raise failures.pop()
        real_commit()

    monkeypatch.setattr(unit_of_work, "_commit", commit_losing_once)
    assert probe.test_client().post("/probe/lose-races").status_code == 200
    assert [f for f in firms(probe) if f.startswith("try-")] == ["try-2"]
