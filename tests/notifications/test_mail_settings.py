"""LIENRX_SMTP_URL and LIENRX_MAIL_FROM are parsed and checked when the application starts."""

import pytest

from lienrx.config import ConfigError, load_settings
from lienrx.notifications import mail
from tests.conftest import TEST_KEYS


def settings(tmp_path, **env):
    return load_settings(str(tmp_path), environ={**TEST_KEYS, **env})


@pytest.mark.parametrize(("url", "server"), [
    ("smtp://mail.example:2525", mail.SmtpServer("mail.example", 2525, False)),
    ("smtp://relay.example", mail.SmtpServer("relay.example", 25, False)),
    ("smtp+starttls://notify%40rx:p%3Ass@smtp.example",
     mail.SmtpServer("smtp.example", 587, True, "notify@rx", "p:ss")),
])
def test_smtp_url_names_host_port_tls_and_login(url, server):
    assert mail.parse_smtp_url(url) == server


@pytest.mark.parametrize("url", ["http://mail.example", "smtps://mail.example",
                                 "smtp://", "smtp://mail.example:99999",
                                 "smtp://mail.example/inbox", "smtp://mail.example?tls=1"])
def test_a_malformed_smtp_url_refuses_to_start_naming_the_variable(tmp_path, url):
    with pytest.raises(ConfigError, match="LIENRX_SMTP_URL must look like"):
        settings(tmp_path, LIENRX_SMTP_URL=url, LIENRX_MAIL_FROM="rx@pharmacy.example")


def test_an_smtp_url_without_a_sender_refuses_to_start(tmp_path):
    with pytest.raises(ConfigError, match="LIENRX_MAIL_FROM must be set"):
        settings(tmp_path, LIENRX_SMTP_URL="smtp://mail.example")


def test_a_sender_without_a_mailbox_refuses_to_start(tmp_path):
    with pytest.raises(ConfigError, match="LIENRX_MAIL_FROM must be an e-mail address"):
        settings(tmp_path, LIENRX_SMTP_URL="smtp://mail.example", LIENRX_MAIL_FROM="LienRx")


def test_mail_settings_are_read_from_the_environment(tmp_path):
    found = settings(tmp_path, LIENRX_SMTP_URL="smtp+starttls://u:p@smtp.example",
                     LIENRX_MAIL_FROM="LienRx <notifications@pharmacy.example>")
    assert found["LIENRX_SMTP_URL"] == "smtp+starttls://u:p@smtp.example"
    assert found["LIENRX_MAIL_FROM"] == "LienRx <notifications@pharmacy.example>"
    assert settings(tmp_path)["LIENRX_SMTP_URL"] is None  # mail is optional
