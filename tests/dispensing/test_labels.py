"""SPEC §7.2 labels (21 CFR 1306.24, 290.5; state rules): the pharmacy's identity, the date of
this fill and of the initial fill, the prescriber with credential, the drug and strength once,
the "compounded" statement once, overrides with their reasons and a late entry's true dates."""

from datetime import timedelta

import pytest

from lienrx.config import ConfigError, load_settings
from lienrx.core import clock, crypto
from lienrx.dispensing.labels import TRANSFER_CAUTION, drug_line
from lienrx.extensions import db
from lienrx.parties import services as parties
from tests.conftest import PRODUCTION_IDENTITY
from tests.dispensing.conftest import cream_fill, gabapentin_fill
from tests.factories import VALID_DEA
from tests.formulary.factories import (
    GABAPENTIN_300_NDC,
    load_products,
    prescription,
    receive_ndc_lot,
)
from tests.staff.conftest import sign_in, text

IDENTITY = {k: v for k, v in PRODUCTION_IDENTITY.items() if k.startswith("LIENRX_PHARMACY_")}


@pytest.fixture
def rph(api_as):
    return api_as("pharmacist")


@pytest.fixture
def staff(app):
    """``staff("pharmacist")`` → a signed-in page client."""
    return lambda role: sign_in(app, role)


@pytest.fixture
def identity(app, monkeypatch):
    """The pharmacy configured as production requires it."""
    for name, value in IDENTITY.items():
        monkeypatch.setitem(app.config, name, value)


def printed(staff_client, dispense_id):
    return text(staff_client.get(f"/staff/dispenses/{dispense_id}/label"))


def test_refill_label_shows_this_fill_date_and_the_initial_fill_date(rph, counter):
    first_day = clock.today()
    first = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).json
    assert first["label"]["date"] == first_day.isoformat()
    assert first["label"]["initial_fill_date"] is None
    clock.freeze(clock.utcnow() + timedelta(days=28))
    refill = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).json
    assert refill["label"]["date"] == clock.today().isoformat()
    assert refill["label"]["initial_fill_date"] == first_day.isoformat()


def test_initial_fill_date_is_the_earliest_standing_fill_not_a_reversed_one(rph, counter):
    reversed_fill = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).json
    assert rph.post(f"/api/v1/dispenses/{reversed_fill['id']}/reverse",
                    json={"reason": "wrong patient", "disposition": "return_to_stock"}
                    ).status_code == 200
    clock.freeze(clock.utcnow() + timedelta(days=2))
    first_standing = clock.today()
    assert rph.post("/api/v1/dispenses", json=gabapentin_fill(
        counter)).json["label"]["initial_fill_date"] is None
    clock.freeze(clock.utcnow() + timedelta(days=27))
    label = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).json["label"]
    assert label["initial_fill_date"] == first_standing.isoformat()


def test_printed_refill_label_says_the_date_of_initial_fill(rph, staff, counter):
    first_day = clock.today().isoformat()
    rph.post("/api/v1/dispenses", json=gabapentin_fill(counter))
    clock.freeze(clock.utcnow() + timedelta(days=28))
    refill = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).json
    shown = printed(staff("pharmacist"), refill["id"])
    assert f"Filled {clock.today().isoformat()}" in shown
    assert f"Date of initial fill {first_day}" in shown


def test_label_names_the_pharmacy_with_address_phone_npi_and_dea(rph, staff, counter,
                                                                  identity):
    body = rph.post("/api/v1/dispenses", json=cream_fill(counter)).json
    assert body["label"]["pharmacy"] == {
        "name": IDENTITY["LIENRX_PHARMACY_NAME"], "address": IDENTITY["LIENRX_PHARMACY_ADDRESS"],
        "phone": IDENTITY["LIENRX_PHARMACY_PHONE"], "npi": IDENTITY["LIENRX_PHARMACY_NPI"],
        "dea": IDENTITY["LIENRX_PHARMACY_DEA"]}
    shown = printed(staff("technician"), body["id"])
    for value in IDENTITY.values():
        assert value in shown


def test_label_leaves_out_npi_and_dea_when_not_configured(app, rph, staff, counter,
                                                          monkeypatch):
    monkeypatch.setitem(app.config, "LIENRX_PHARMACY_NPI", None)
    monkeypatch.setitem(app.config, "LIENRX_PHARMACY_DEA", None)
    body = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).json
    assert body["label"]["pharmacy"]["npi"] is None and body["label"]["pharmacy"]["dea"] is None
    shown = printed(staff("technician"), body["id"])
    assert "NPI" not in shown and "DEA" not in shown


@pytest.mark.parametrize("missing", sorted(IDENTITY))
def test_production_refuses_to_start_without_a_label_identity_setting_naming_it(tmp_path,
                                                                               missing):
    env = {"LIENRX_ENV": "production", "SECRET_KEY": "s" * 40,
           "LIENRX_DATA_KEYS": crypto.new_data_key(),
           "LIENRX_SIGNING_KEY": crypto.new_signing_seed(),
           **{k: v for k, v in PRODUCTION_IDENTITY.items() if k != missing}}
    with pytest.raises(ConfigError) as refused:
        load_settings(str(tmp_path), environ=env)
    named = [name for name in IDENTITY if name in str(refused.value)]
    assert named == [missing]


def test_label_prints_the_prescriber_with_credential_never_dr(app, rph, staff, world):
    with app.app_context():
        load_products("GABA-CAP-300")
        roe = parties.create_prescriber(None, first_name="Jane", last_name="Roe",
                                        npi="1700000007", dea_number=VALID_DEA,
                                        credential="NP")
        rx = prescription(world.case_id, roe.id, "GABA-CAP-300", quantity=90, days_supply=30)
        receive_ndc_lot(GABAPENTIN_300_NDC, "GB2291A")
        db.session.commit()
        rx_id = rx.id
    body = rph.post("/api/v1/dispenses", json={"prescription_id": rx_id, "quantity": 90,
                                               "days_supply": 30, "ndc": GABAPENTIN_300_NDC,
                                               "lot_number": "GB2291A"}).json
    assert body["label"]["prescriber"] == "Jane Roe, NP"
    shown = printed(staff("pharmacist"), body["id"])
    assert "Prescriber Jane Roe, NP" in shown and "Dr." not in shown


def test_prescriber_without_credential_prints_the_name_alone(rph, staff, counter):
    body = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).json
    assert body["label"]["prescriber"] == "Morgan Pain"
    shown = printed(staff("pharmacist"), body["id"])
    assert "Prescriber Morgan Pain RPh" in shown and "Dr." not in shown


def test_label_prints_strength_and_compounded_statement_once(rph, staff, counter):
    body = rph.post("/api/v1/dispenses", json=cream_fill(counter)).json
    label = body["label"]
    assert label["drug_line"] == "Ketamine HCl 10% topical cream"
    assert "Compounded preparation" not in label["warnings"]
    shown = printed(staff("pharmacist"), body["id"])
    assert shown.count("10%") == 1
    assert shown.lower().count("compounded") == 1
    assert TRANSFER_CAUTION in shown


@pytest.mark.parametrize(("name", "strength", "line"), [
    ("Ketamine HCl 10% topical cream", "10%", "Ketamine HCl 10% topical cream"),
    ("Ketamine 10 mg/mL oral solution", "10 mg/mL", "Ketamine 10 mg/mL oral solution"),
    ("Lidocaine 5% patch", "5% (700 mg/patch)", "Lidocaine 5% patch (700 mg/patch)"),
    ("Gabapentin capsule", "300 mg", "Gabapentin capsule 300 mg"),
    ("Naltrexone 11.5 mg capsule", "1.5 mg", "Naltrexone 11.5 mg capsule 1.5 mg"),
])
def test_drug_line_prints_the_strength_once_and_never_drops_it(name, strength, line):
    assert drug_line(name, strength) == line


def test_label_shows_a_refill_too_soon_override_with_its_reason(rph, staff, counter):
    rph.post("/api/v1/dispenses", json=gabapentin_fill(counter))
    clock.freeze(clock.utcnow() + timedelta(days=10))
    body = rph.post("/api/v1/dispenses", json=gabapentin_fill(
        counter, override_refill_too_soon={"reason": "Lost supply, police report 4471"})).json
    assert body["label"]["overrides"] == [{
        "kind": "refill_too_soon", "title": "Early refill override",
        "reason": "Lost supply, police report 4471"}]
    assert "Early refill override: Lost supply, police report 4471" in printed(
        staff("pharmacist"), body["id"])


def test_label_shows_a_bud_override_with_its_reason(rph, staff, counter):
    clock.freeze(clock.utcnow() + timedelta(days=30))  # 30 days' supply runs past the BUD
    body = rph.post("/api/v1/dispenses", json=cream_fill(
        counter, bud_override={"reason": "Patient told to discard on the BUD"})).json
    assert [o["kind"] for o in body["label"]["overrides"]] == ["bud"]
    assert "Supply past the BUD override: Patient told to discard on the BUD" in printed(
        staff("pharmacist"), body["id"])


def test_bud_override_not_needed_is_not_on_the_label(rph, counter):
    body = rph.post("/api/v1/dispenses", json=cream_fill(
        counter, bud_override={"reason": "just in case"})).json
    assert body["bud_override_reason"] is None and body["label"]["overrides"] == []


def test_late_entry_label_shows_the_fill_date_and_the_day_it_was_entered(rph, staff, counter):
    clock.freeze(clock.utcnow() + timedelta(days=3))
    today = clock.today()
    day = today - timedelta(days=2)
    body = rph.post("/api/v1/dispenses", json=gabapentin_fill(
        counter, dispensed_on=day.isoformat(),
        late_entry_reason="Pharmacy system outage; paper record entered now")).json
    assert body["label"]["date"] == day.isoformat()
    assert body["label"]["late_entry"] == {"entered_on": today.isoformat()}
    shown = printed(staff("pharmacist"), body["id"])
    assert f"Filled {day.isoformat()}" in shown
    assert f"Late entry: filled {day.isoformat()}, entered {today.isoformat()}" in shown


def test_same_day_fill_is_not_marked_late_on_the_label(rph, staff, counter):
    body = rph.post("/api/v1/dispenses", json=gabapentin_fill(counter)).json
    assert body["label"]["late_entry"] is None
    assert "Late entry" not in printed(staff("pharmacist"), body["id"])
