"""Sending a report by SFTP to a configured server (a real one, on loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import paramiko
import pytest

from lienrx.extensions import db
from lienrx.pdmp import services
from tests.pdmp.asap_validator import assert_valid
from tests.pdmp.conftest import FILL_DAY, after
from tests.pdmp.sftp_server import LocalSftpServer
from tests.staff.conftest import sign_in


@pytest.fixture
def server(tmp_path: Any) -> Iterator[LocalSftpServer]:
    running = LocalSftpServer(tmp_path)
    yield running
    running.stop()


@pytest.fixture
def configured(app: Any, server: LocalSftpServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setitem(app.config, "LIENRX_PDMP_SFTP_URL", server.url())
    monkeypatch.setitem(app.config, "LIENRX_PDMP_SFTP_HOST_KEY", server.host_key_line)
    return server


def report_id(app: Any) -> int:
    after(FILL_DAY)
    with app.app_context():
        report = services.generate(None, report_date=FILL_DAY)
        db.session.commit()
        return report.id


def test_sftp_upload_delivers_the_file_to_the_server_and_marks_it_submitted(
        app, configured, rph, day):
    made = report_id(app)
    page = sign_in(app, "pharmacist")
    assert "Send by SFTP" in page.get(f"/staff/pdmp/{made}").get_data(as_text=True)
    response = page.post(f"/staff/pdmp/{made}/upload")
    assert response.status_code == 302
    delivered = list(configured.root.iterdir())
    assert [p.name for p in delivered] == [f"TN_20261118_{_control(app, made)}.dat"]
    with app.app_context():
        report = services.get_report(made)
        assert (report.status, report.submission_method) == ("submitted", "sftp")
        assert delivered[0].read_text() == report.content
    assert_valid(delivered[0].read_text())


def test_sftp_upload_refuses_a_server_whose_host_key_is_not_the_configured_one(
        app, configured, monkeypatch):
    other = paramiko.RSAKey.generate(2048)
    monkeypatch.setitem(app.config, "LIENRX_PDMP_SFTP_HOST_KEY",
                        f"{other.get_name()} {other.get_base64()}")
    made = report_id(app)
    page = sign_in(app, "pharmacist")
    response = page.post(f"/staff/pdmp/{made}/upload")
    assert response.status_code == 409
    assert "The upload failed" in response.get_data(as_text=True)
    assert list(configured.root.iterdir()) == []
    with app.app_context():
        assert services.get_report(made).status == "generated"


def test_sftp_upload_with_a_wrong_password_sends_nothing(app, configured, monkeypatch):
    monkeypatch.setitem(app.config, "LIENRX_PDMP_SFTP_URL", configured.url("wrong"))
    made = report_id(app)
    response = sign_in(app, "pharmacist").post(f"/staff/pdmp/{made}/upload")
    assert response.status_code == 409
    with app.app_context():
        assert services.get_report(made).status == "generated"


def test_without_sftp_configuration_the_pharmacist_downloads_and_marks_it_submitted(app):
    made = report_id(app)
    page = sign_in(app, "pharmacist")
    html = page.get(f"/staff/pdmp/{made}").get_data(as_text=True)
    assert "Send by SFTP" not in html
    refused = page.post(f"/staff/pdmp/{made}/upload")
    assert refused.status_code == 409
    assert "No SFTP destination" in refused.get_data(as_text=True)
    download = page.get(f"/staff/pdmp/{made}/file")
    assert download.status_code == 200 and "attachment" in download.headers[
        "Content-Disposition"]
    assert_valid(download.get_data(as_text=True))
    assert page.post(f"/staff/pdmp/{made}/submission", data={"method": "upload"}
                     ).status_code == 302
    with app.app_context():
        assert services.get_report(made).status == "submitted"


def _control(app: Any, made: int) -> str:
    with app.app_context():
        return services.get_report(made).control_number
