"""Password rules (API.md second edition): at least 12 characters, not a well-known password,
not containing the e-mail's local part (case-insensitively) → 422 on ``password``."""

import pytest

from lienrx.auth import passwords
from seeds.demo_accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from tests import factories


def _body(**overrides):
    return {"email": "new.person@example.test", "name": "New Person", "role": "technician",
            "password": "a long enough password", **overrides}


def _refused(response):
    assert response.status_code == 422, response.json
    assert response.json["code"] == "validation_failed"
    return response.json["errors"]["password"]


def test_password_shorter_than_12_characters_422(api_as):
    messages = _refused(api_as("admin").post("/api/v1/users", json=_body(password="elevenchars")))
    assert any("12" in message for message in messages)


def test_password_of_exactly_12_characters_is_accepted(api_as):
    response = api_as("admin").post("/api/v1/users", json=_body(password="twelve chars"))
    assert response.status_code == 201


@pytest.mark.parametrize("common", ["password1234", "qwerty123456", "1q2w3e4r5t6y",
                                    "QWERTY123456"])
def test_well_known_password_422(api_as, common):
    messages = _refused(api_as("admin").post("/api/v1/users", json=_body(password=common)))
    assert "This is a well-known password; choose another." in messages


def test_well_known_list_has_at_least_10000_passwords():
    assert len(passwords.common_passwords()) >= 10_000
    assert {"123456", "password", "iloveyou"} <= passwords.common_passwords()


@pytest.mark.parametrize("password", ["new.person-2024-rx", "NEW.PERSON is me!", "xxNew.Personxx"])
def test_password_containing_the_email_local_part_case_insensitively_422(api_as, password):
    messages = _refused(api_as("admin").post("/api/v1/users", json=_body(password=password)))
    assert "The password may not contain the e-mail's name part." in messages


def test_password_rules_all_reported_at_once(api_as):
    response = api_as("admin").post("/api/v1/users", json=_body(
        email="password@example.test", password="password"))
    assert len(_refused(response)) >= 2  # too short, well known, contains "password"


def test_cli_users_create_refuses_a_weak_password(runner):
    result = runner.invoke(args=["users", "create", "--email", "cli@example.test", "--name",
                                 "Cli User", "--role", "billing"],
                           env={"LIENRX_PASSWORD": "qwerty123456"})
    assert result.exit_code == 2
    assert "password: This is a well-known password" in result.output


def test_cli_users_create_refuses_a_password_with_the_local_part(runner):
    result = runner.invoke(args=["users", "create", "--email", "Dana.Cli@example.test", "--name",
                                 "Dana", "--role", "billing"],
                           env={"LIENRX_PASSWORD": "dana.cli-rocks-2026"})
    assert result.exit_code == 2
    assert "password: The password may not contain" in result.output


def test_demo_and_test_passwords_obey_the_rules():
    for account in DEMO_ACCOUNTS:
        assert passwords.problems(DEMO_PASSWORD, account.email) == []
    assert passwords.problems(factories.PASSWORD, "pharmacist12@test.lienrx") == []
