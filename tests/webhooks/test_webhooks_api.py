"""API.md second edition: POST/GET/DELETE /api/v1/webhooks — a firm's subscriptions, its
signing secret shown once and kept encrypted, bad URLs and events refused with nothing kept."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lienrx.extensions import db
from lienrx.outbox.models import WebhookSubscription

URL = "https://cms.cumberland-law.example/hooks/lienrx"


def stored(app) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count(WebhookSubscription.id)))
        db.session.remove()
        return int(count or 0)


def test_an_attorney_registers_a_webhook_for_their_firm_and_gets_its_secret_once(
        api_as, world):
    counsel = api_as("attorney", firm=world.firm_id)
    made = counsel.post("/api/v1/webhooks", json={"url": URL,
                                                  "events": ["new_fill", "case_closed"]})
    assert made.status_code == 201, made.json
    assert (made.json["url"], made.json["events"], made.json["law_firm_id"],
            made.json["active"]) == (URL, ["new_fill", "case_closed"], world.firm_id, True)
    assert len(made.json["secret"]) == 64 and int(made.json["secret"], 16) >= 0
    listed = counsel.get("/api/v1/webhooks")
    assert [w["id"] for w in listed.json] == [made.json["id"]]
    one = counsel.get(f"/api/v1/webhooks/{made.json['id']}")
    assert one.status_code == 200 and one.json["url"] == URL
    assert "secret" not in listed.json[0] and "secret" not in one.json
    assert made.json["secret"] not in listed.get_data(as_text=True) + one.get_data(as_text=True)


def test_the_signing_secret_is_encrypted_at_rest(app, api_as, world):
    made = api_as("attorney", firm=world.firm_id).post(
        "/api/v1/webhooks", json={"url": URL, "events": ["new_fill"]}).json
    with app.app_context():
        raw = db.session.execute(sa.text("SELECT secret FROM webhook_subscriptions")).scalar_one()
        assert made["secret"] not in raw
        assert db.session.get(WebhookSubscription, made["id"]).secret == made["secret"]
        db.session.remove()


@pytest.mark.parametrize("url", [
    "ftp://cms.example/hooks", "javascript:alert(1)", "http:///hooks", "https://",
    "cms.example/hooks", "https://user:pass@cms.example/hooks", "https://cms.example:99999/",
    "https://cms.example/" + "a" * 500, "https://cms.example/a b",
])
def test_a_url_that_is_not_http_or_https_with_a_host_is_refused_422_on_url(app, api_as, world,
                                                                           url):
    answer = api_as("attorney", firm=world.firm_id).post(
        "/api/v1/webhooks", json={"url": url, "events": ["new_fill"]})
    assert answer.status_code == 422, answer.json
    assert list(answer.json["errors"]) == ["url"]
    assert stored(app) == 0


@pytest.mark.parametrize("events", [["new_fill", "lien_paid"], [], ["NEW_FILL"]])
def test_unknown_or_no_events_are_refused_422_on_events(app, api_as, world, events):
    answer = api_as("attorney", firm=world.firm_id).post(
        "/api/v1/webhooks", json={"url": URL, "events": events})
    assert answer.status_code == 422, answer.json
    assert list(answer.json["errors"]) == ["events"]
    assert stored(app) == 0


def test_another_firms_webhook_is_404_to_read_and_to_delete(app, api_as, world):
    made = api_as("attorney", firm=world.firm_id).post(
        "/api/v1/webhooks", json={"url": URL, "events": ["new_fill"]}).json
    outsider = api_as("attorney")
    assert outsider.get(f"/api/v1/webhooks/{made['id']}").status_code == 404
    assert outsider.delete(f"/api/v1/webhooks/{made['id']}").status_code == 404
    assert outsider.get("/api/v1/webhooks").json == []
    assert api_as("attorney", firm=world.firm_id).get(
        f"/api/v1/webhooks/{made['id']}").status_code == 200


def test_billing_and_admin_see_every_firm_and_name_the_firm_when_registering(app, api_as,
                                                                              world):
    billing = api_as("billing")
    unnamed = billing.post("/api/v1/webhooks", json={"url": URL, "events": ["new_fill"]})
    assert unnamed.status_code == 422 and list(unnamed.json["errors"]) == ["law_firm_id"]
    nowhere = billing.post("/api/v1/webhooks", json={"url": URL, "events": ["new_fill"],
                                                     "law_firm_id": 2147483647})
    assert nowhere.status_code == 422 and list(nowhere.json["errors"]) == ["law_firm_id"]
    made = billing.post("/api/v1/webhooks", json={"url": URL, "events": ["new_fill"],
                                                  "law_firm_id": world.firm_id})
    assert made.status_code == 201 and made.json["law_firm_id"] == world.firm_id
    api_as("attorney").post("/api/v1/webhooks", json={"url": URL, "events": ["new_fill"]})
    assert len(api_as("admin").get("/api/v1/webhooks").json) == 2
    assert [w["id"] for w in billing.get(
        f"/api/v1/webhooks?law_firm_id={world.firm_id}").json] == [made.json["id"]]


def test_an_attorney_cannot_register_for_another_firm(app, api_as, world):
    answer = api_as("attorney").post("/api/v1/webhooks", json={
        "url": URL, "events": ["new_fill"], "law_firm_id": world.firm_id})
    assert answer.status_code == 422 and list(answer.json["errors"]) == ["law_firm_id"]
    assert stored(app) == 0


def test_pharmacists_and_technicians_may_not_manage_webhooks(api_as):
    for role in ("pharmacist", "technician"):
        assert api_as(role).get("/api/v1/webhooks").status_code == 403


def test_a_deleted_webhook_is_gone_from_the_list_and_answers_404(api_as, world):
    counsel = api_as("attorney", firm=world.firm_id)
    made = counsel.post("/api/v1/webhooks", json={"url": URL, "events": ["new_fill"]}).json
    assert counsel.delete(f"/api/v1/webhooks/{made['id']}").status_code == 204
    assert counsel.get("/api/v1/webhooks").json == []
    assert counsel.get(f"/api/v1/webhooks/{made['id']}").status_code == 404
    assert counsel.delete(f"/api/v1/webhooks/{made['id']}").status_code == 404
