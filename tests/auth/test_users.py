"""Creating accounts: admins only, roles, firms for attorneys, strong hashes."""

import sqlalchemy as sa

from lienrx.auth import services as auth_services
from lienrx.auth.models import User
from lienrx.extensions import db
from tests import factories


def _body(**overrides):
    return {"email": "new@example.test", "name": "New Person", "role": "technician",
            "password": "a long enough password", **overrides}


def test_admin_creates_user_201_without_hash(api_as):
    admin = api_as("admin")
    response = admin.post("/api/v1/users", json=_body())
    assert response.status_code == 201
    assert response.json["role"] == "technician"
    assert "password" not in str(response.json)


def test_password_is_hashed_with_scrypt(api_as, ctx):
    api_as("admin").post("/api/v1/users", json=_body(email="hashme@example.test"))
    stored = db.session.execute(
        sa.select(User.password_hash).where(User.email == "hashme@example.test")).scalar_one()
    assert stored.startswith("scrypt:")
    assert "a long enough password" not in stored


def test_only_admin_creates_users_403(api_as):
    for role in ("pharmacist", "technician", "billing"):
        response = api_as(role).post("/api/v1/users", json=_body(email=f"{role}@x.test"))
        assert response.status_code == 403
        assert response.json["code"] == "forbidden"


def test_attorney_creating_users_403(api_as):
    assert api_as("attorney").post("/api/v1/users", json=_body()).status_code == 403


def test_attorney_needs_law_firm_422(api_as):
    response = api_as("admin").post("/api/v1/users", json=_body(role="attorney"))
    assert response.status_code == 422
    assert "law_firm_id" in response.json["errors"]


def test_attorney_with_unknown_firm_422(api_as):
    response = api_as("admin").post("/api/v1/users",
                                    json=_body(role="attorney", law_firm_id=999999))
    assert response.status_code == 422
    assert "law_firm_id" in response.json["errors"]


def test_staff_cannot_belong_to_a_firm_422(api_as, ctx):
    firm = factories.law_firm()
    db.session.commit()
    response = api_as("admin").post("/api/v1/users", json=_body(law_firm_id=firm.id))
    assert response.status_code == 422


def test_attorney_created_with_firm(api_as, ctx):
    firm = factories.law_firm()
    db.session.commit()
    response = api_as("admin").post("/api/v1/users",
                                    json=_body(role="attorney", law_firm_id=firm.id))
    assert response.status_code == 201
    assert response.json["law_firm_id"] == firm.id


def test_duplicate_email_case_insensitive_422(api_as):
    admin = api_as("admin")
    assert admin.post("/api/v1/users", json=_body()).status_code == 201
    response = admin.post("/api/v1/users", json=_body(email="NEW@example.test"))
    assert response.status_code == 422
    assert "email" in response.json["errors"]


def test_duplicate_email_race_past_the_check_is_409_email_taken_not_a_500(api_as, monkeypatch):
    """Two admins create the same e-mail at once: both pass the look-up before either
    commits; the unique index refuses the second with 409 ``email_taken``."""
    admin = api_as("admin")
    assert admin.post("/api/v1/users", json=_body()).status_code == 201
    monkeypatch.setattr(auth_services, "find_by_email", lambda email: None)
    response = admin.post("/api/v1/users", json=_body(email="NEW@example.test"))
    assert response.status_code == 409
    assert response.json["code"] == "email_taken"


def test_unknown_role_and_short_password_422(api_as):
    response = api_as("admin").post("/api/v1/users",
                                    json=_body(role="superuser", password="short"))
    assert response.status_code == 422
    assert set(response.json["errors"]) >= {"role", "password"}


def test_cli_users_create_reads_password_from_environment(runner, ctx):
    result = runner.invoke(args=["users", "create", "--email", "cli@example.test", "--name",
                                 "Cli User", "--role", "pharmacist", "--license", "TN-1"],
                           env={"LIENRX_PASSWORD": "from the environment"})
    assert result.exit_code == 0, result.output
    assert "created user" in result.output
    db.session.remove()
    user = db.session.execute(
        sa.select(User).where(User.email == "cli@example.test")).scalar_one()
    assert user.license_number == "TN-1"


def test_cli_users_create_reports_field_errors(runner):
    result = runner.invoke(args=["users", "create", "--email", "x@example.test", "--name", "X",
                                 "--role", "attorney"], env={"LIENRX_PASSWORD": "long enough pw"})
    assert result.exit_code == 2
    assert "law_firm_id" in result.output
