"""Test data built through the services, so it obeys the same rules as real data."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from lienrx.auth import services as auth
from lienrx.auth.models import User
from lienrx.cases import services as cases
from lienrx.cases.models import Case
from lienrx.core import clock
from lienrx.extensions import db
from lienrx.parties import services as parties
from lienrx.parties.models import LawFirm, Patient, Prescriber
from tests.case_documents.factories import authorization

PASSWORD = "correct horse battery"
_seq = itertools.count(1)

# Valid NPIs (Luhn with the 80840 prefix) for prescribers made in tests.
VALID_NPIS = ("1234567893", "1558598797", "1245319599", "1003000126", "1003000134",
              "1003000142", "1003000159", "1003000167")
VALID_DEA = "AP5836727"


def n() -> int:
    return next(_seq)


def law_firm(name: str | None = None) -> LawFirm:
    return parties.create_law_firm(None, name=name or f"Firm {n()} LLP")


def user(role: str, firm_id: int | None = None, **fields: Any) -> User:
    if role == "attorney" and firm_id is None:
        firm_id = law_firm().id
    if role == "pharmacist":
        fields.setdefault("license_number", f"TN-RPH-{n():05d}")
    return auth.create_user(None, email=fields.pop("email", f"{role}{n()}@test.lienrx"),
                            name=fields.pop("name", f"{role.title()} {n()}"), role=role,
                            password=fields.pop("password", PASSWORD), law_firm_id=firm_id,
                            **fields)


TOKEN_TTL = timedelta(days=3650)  # long enough for tests that move the clock by months


def token(for_user: User) -> str:
    raw, _ = auth.issue_token(for_user, TOKEN_TTL)
    return raw


def patient(**fields: Any) -> Patient:
    defaults: dict[str, Any] = {"first_name": "Jordan", "last_name": f"Rivera{n()}",
                                "date_of_birth": date(1985, 3, 14), "phone": "615-555-0199"}
    return parties.create_patient(None, **{**defaults, **fields})


def prescriber(dea_number: str | None = VALID_DEA, **fields: Any) -> Prescriber:
    npi = fields.pop("npi", None) or VALID_NPIS[n() % len(VALID_NPIS)]
    existing = db.session.execute(
        sa.select(Prescriber).where(Prescriber.npi == npi)).scalar_one_or_none()
    if existing is not None:
        return existing
    return parties.create_prescriber(None, first_name="Morgan", last_name="Pain", npi=npi,
                                     dea_number=dea_number, **fields)


def case(firm: LawFirm, *, active: bool = True, patient_id: int | None = None,
         diagnoses: list[dict[str, Any]] | None = None, authorized: bool = True,
         **fields: Any) -> Case:
    """A case of ``firm``; ``authorized``: with the client's HIPAA authorization naming the
    firm on file, so its attorneys may read it."""
    opened = cases.open_case(
        None, patient_id=patient_id or patient().id, law_firm_id=firm.id,
        date_of_injury=fields.pop("date_of_injury", clock.today() - timedelta(days=90)),
        injury_mechanism=fields.pop("injury_mechanism", "motor_vehicle"),
        jurisdiction=fields.pop("jurisdiction", "TN"),
        diagnoses=diagnoses or [{"icd10": "G90.511", "laterality": "right", "source": "consult"}],
        firm_file_number=fields.pop("firm_file_number", f"FILE-{n()}"), **fields)
    if authorized:
        authorization(opened.id, firm.id)
    if active:
        cases.record_lien_agreement(None, opened.id, signed_on=clock.today() - timedelta(days=1),
                                    patient_signed=True)
    return opened


@dataclass
class World:
    """A firm, its attorney, a patient, a prescriber and an active case: ids only."""

    firm_id: int
    attorney_id: int
    patient_id: int
    prescriber_id: int
    case_id: int

    @classmethod
    def build(cls, *, authorized: bool = True) -> World:
        """``authorized``: with the client's HIPAA authorization naming the firm on file."""
        firm = law_firm()
        attorney = user("attorney", firm_id=firm.id)
        the_patient = patient()
        doctor = prescriber()
        the_case = case(firm, patient_id=the_patient.id, attorney_user_id=attorney.id,
                        authorized=authorized)
        return cls(firm.id, attorney.id, the_patient.id, doctor.id, the_case.id)


def ledger_charge(case_id: int, cents: int, *, occurred_on: date | None = None,
                  memo: str = "Dispense", dispense_id: int | None = None) -> Any:
    """Post a `charge` entry straight to the ledger (stands in for a dispense)."""
    from lienrx.ledger import services as ledger

    return ledger.post_entry(
        kind="charge", case_id=case_id, occurred_on=occurred_on or clock.today(), memo=memo,
        lines=[(ledger.receivable(case_id), cents), (ledger.book(ledger.REVENUE), -cents)],
        source=("dispense", dispense_id) if dispense_id is not None else None)


# Case lifecycle through the services (SPEC §4.2, §4.8): tests drive a case into a status the
# way billing would, never by writing the status column.

GROSS, FEES, COSTS = 5_000_000, 1_666_667, 50_000  # $50,000 recovery, 1/3 fees, $500 costs


def hold(case_id: int, reason: str = "client unreachable") -> Case:
    """Put the case on hold."""
    return cases.hold_case(None, case_id, reason)


def transfer(case_id: int) -> Case:
    """Substitute counsel: the case moves to a new firm and is back in intake."""
    return cases.transfer_case(None, case_id, law_firm_id=law_firm().id)


def settle(case_id: int) -> Any:
    """Record the settlement: the case becomes `settled`."""
    from lienrx.settlement import services as settlement

    return settlement.record_settlement(user("billing"), case_id, settled_on=clock.today(),
                                        gross_amount=GROSS, attorney_fees=FEES, costs=COSTS)


def pay_in_full(case_id: int) -> Any:
    """Record a payment of the whole balance (there must be one)."""
    from lienrx.ledger.queries import case_balance
    from lienrx.settlement import services as settlement

    balance = case_balance(case_id)
    assert balance > 0, "a payment in full needs a balance: charge the case first"
    return settlement.record_payment(user("billing"), case_id, amount=balance,
                                     received_on=clock.today(), reference=f"CHK-{n()}")


def close(case_id: int, outcome: str = "paid") -> Any:
    """Close the case as billing would.

    `paid`: record the settlement (unless recorded), the payment of the balance, then close;
    `no_recovery`: close with the non-recourse write-off.
    """
    from lienrx.settlement import services as settlement

    if outcome == "paid":
        if db.session.get(Case, case_id).status != "settled":
            settle(case_id)
        pay_in_full(case_id)
    return settlement.close_case(user("billing"), case_id, outcome=outcome)
