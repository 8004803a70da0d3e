"""Open cases, move them through their statuses, record agreements and counsel changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from lienrx.audit import services as audit
from lienrx.auth.models import User
from lienrx.cases import access, rules
from lienrx.cases.models import Case, CaseDiagnosis, CounselChange, ExternalTreatment, LienAgreement
from lienrx.core import clock, locks
from lienrx.core.actors import Actor, actor_id
from lienrx.core.errors import Conflict, NotFound, ValidationFailed, field_error
from lienrx.core.paging import Page, fetch_page
from lienrx.core.security import ATTORNEY
from lienrx.extensions import db
from lienrx.parties.models import LawFirm, Patient


def visible_cases(actor: Actor | None) -> sa.Select[Case]:
    """The cases ``actor`` may see: attorneys their own firm's only, staff all."""
    query = sa.select(Case)
    if actor is not None and actor.role == ATTORNEY:
        query = query.where(Case.law_firm_id == actor.law_firm_id)
    return query


def get_case(actor: Actor | None, case_id: int, *, for_update: bool = False,
             disclosing: str = rules.CASE) -> Case:
    """The case, if ``actor`` may see it; otherwise NotFound (never reveal another firm's).

    Every read of a case passes here, so here is the HIPAA gate (:mod:`lienrx.cases.access`):
    an attorney gets the case only under an authorization naming the firm (else 403), and the
    read is logged as a disclosure of ``disclosing`` (a ``rules.WHAT`` code)."""
    query = visible_cases(actor).where(Case.id == case_id)
    case = (locks.lock(query, Case) if for_update
            else db.session.execute(query).scalar_one_or_none())
    if case is None:
        raise NotFound("No such case.")
    access.gate().read(actor, case, disclosing)
    return case


def get_listed_case(actor: Actor, case_id: int) -> Case:
    """A case as the firm's list shows it without an authorization: only
    ``rules.UNAUTHORIZED_CASE_FIELDS`` may be read of it (no gate, no disclosure)."""
    case = db.session.execute(visible_cases(actor).where(Case.id == case_id)).scalar_one_or_none()
    if case is None:
        raise NotFound("No such case.")
    return case


def read_case(actor: Actor, case_id: int, *, disclosing: str = rules.CASE) -> Case:
    """Read a case with its client's details (a PHI read: audited)."""
    case = get_case(actor, case_id, disclosing=disclosing)
    audit.record(actor, "case.read", "case", case.id)
    return case


def list_cases(actor: Actor, *, page: int, page_size: int, status: str | None = None,
               q: str | None = None) -> Page[Case]:
    """A page of the cases visible to ``actor``, newest first, and how many there are in all
    (audited: the list names clients). ``q`` matches the client's name or the firm's file
    number. An attorney's page holds every case of the firm; see :func:`disclosed_ids` for
    which of them may show their client."""
    query = visible_cases(actor)
    if status:
        query = query.where(Case.status == status)
    if q and q.split():
        query = query.where(client_or_file_number(query, q))
    found = fetch_page(
        query.order_by(Case.id.desc()), page=page, page_size=page_size,
        options=(joinedload(Case.patient), selectinload(Case.diagnoses),
                 selectinload(Case.external_treatments)))
    audit.record(actor, "case.listed", "case", None,
                 {"count": len(found), "page": page, "total": found.total})
    return found


def disclosed_ids(actor: Actor, cases: list[Case]) -> set[int]:
    """Which of a listed page of cases may show ``actor`` their client and balance (staff:
    all; an attorney: those under an authorization naming the firm, each logged as a
    disclosure); the others show only ``rules.UNAUTHORIZED_CASE_FIELDS``."""
    return access.gate().listed(actor, cases)


def client_or_file_number(query: sa.Select[Any], text: str) -> sa.ColumnElement[bool]:
    """A filter on ``Case``: the firm's file number or the client's name contains ``text``
    (the name among the cases ``query`` selects)."""
    text = " ".join(text.split())
    return sa.or_(Case.firm_file_number.ilike(f"%{_escape_like(text)}%", escape="\\"),
                  Case.id.in_(_name_matches(query, text)))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _name_matches(query: sa.Select[Any], text: str) -> list[int]:
    """Ids of the cases in ``query`` whose client's name contains ``text``.

    Names are encrypted at rest, so they are matched after reading: only the names and ids
    of the cases in scope are read, never whole rows.
    """
    needle = text.casefold()
    wanted = query.with_only_columns(Case.id).order_by(None).subquery()
    rows = db.session.execute(
        sa.select(Case.id, Patient.first_name, Patient.last_name)
        .join(Patient, Patient.id == Case.patient_id).where(Case.id.in_(sa.select(wanted.c.id))))
    return [case_id for case_id, first, last in rows
            if needle in f"{first} {last}".casefold() or needle in f"{last}, {first}".casefold()]


def refuse_if_closed(case: Case, consequence: str) -> None:
    """A closed case takes no further charges, adjustments or orders (409 `case_closed`)."""
    if case.status in rules.CLOSED_STATUSES:
        raise Conflict("case_closed", f"The case is closed; {consequence}.")


def refuse_transition(case: Case, to_status: str) -> None:
    """409 `invalid_transition` unless the status machine lets ``case`` become ``to_status``."""
    if to_status not in rules.TRANSITIONS[case.status]:
        raise Conflict("invalid_transition", f"A case that is {rules.status_words(case.status)} "
                                             f"cannot become {rules.status_words(to_status)}.")


def transition(actor: Actor | None, case: Case, to_status: str, reason: str | None = None) -> None:
    """Move a case to ``to_status`` if the status machine allows it; else 409."""
    refuse_transition(case, to_status)
    from_status, case.status = case.status, to_status
    db.session.flush()
    audit.record(actor, "case.status_changed", "case", case.id,
                 {"from": from_status, "to": to_status, "reason": reason})


def _check_attorney(field: str, attorney_user_id: int | None, law_firm_id: int) -> None:
    if attorney_user_id is None:
        return
    attorney = db.session.get(User, attorney_user_id)
    if attorney is None or attorney.role != ATTORNEY or attorney.law_firm_id != law_firm_id:
        raise field_error(field, "Not an attorney of this law firm.")


def _diagnoses(items: list[dict[str, Any]]) -> list[CaseDiagnosis]:
    errors: dict[str, Any] = {}
    codes: list[str] = []
    for i, item in enumerate(items):
        code = rules.normalize_icd10(item["icd10"])
        problem = rules.icd10_problem(code)
        if problem:
            errors[str(i)] = {"icd10": [problem]}
        elif code in codes:
            errors[str(i)] = {"icd10": [f"{code} is listed twice."]}
        codes.append(code)
    if errors:
        raise ValidationFailed({"diagnoses": errors})
    conflict = rules.crps_same_limb_conflict(codes)
    if conflict:
        raise field_error("diagnoses", f"{conflict[0]} (CRPS I) and {conflict[1]} (CRPS II) name "
                                       "the same limb; a limb has one CRPS type.")
    return [CaseDiagnosis(position=i, icd10=code, laterality=item.get("laterality"),
                          source=item.get("source"))
            for i, (code, item) in enumerate(zip(codes, items, strict=True))]


def open_case(actor: Actor | None, *, patient_id: int, law_firm_id: int, date_of_injury: date,
              injury_mechanism: str, jurisdiction: str, diagnoses: list[dict[str, Any]],
              attorney_user_id: int | None = None, firm_file_number: str | None = None,
              mechanism_narrative: str | None = None) -> Case:
    """Open a case in `intake`: no charges until a lien agreement is signed."""
    if db.session.get(Patient, patient_id) is None:
        raise field_error("patient_id", "No such patient.")
    if db.session.get(LawFirm, law_firm_id) is None:
        raise field_error("law_firm_id", "No such law firm.")
    _check_attorney("attorney_user_id", attorney_user_id, law_firm_id)
    if date_of_injury > clock.today():
        raise field_error("date_of_injury", "The date of injury is in the future.")
    case = Case(patient_id=patient_id, law_firm_id=law_firm_id,
                attorney_user_id=attorney_user_id, firm_file_number=firm_file_number,
                date_of_injury=date_of_injury, injury_mechanism=injury_mechanism,
                mechanism_narrative=mechanism_narrative, jurisdiction=jurisdiction.upper(),
                status=rules.INTAKE, diagnoses=_diagnoses(diagnoses))
    db.session.add(case)
    db.session.flush()
    audit.record(actor, "case.opened", "case", case.id,
                 {"diagnoses": [d.icd10 for d in case.diagnoses]})
    return case


def active_agreement(case_id: int) -> LienAgreement | None:
    """The case's agreement in force, if any."""
    return db.session.execute(
        sa.select(LienAgreement).where(LienAgreement.case_id == case_id,
                                      LienAgreement.status == "active")
    ).scalar_one_or_none()


def record_lien_agreement(actor: Actor | None, case_id: int, *, signed_on: date,
                          patient_signed: bool, attorney_user_id: int | None = None,
                          document_sha256: str | None = None,
                          non_recourse: bool = True) -> LienAgreement:
    """Record a signed lien agreement; it supersedes any earlier one and activates the case."""
    case = get_case(actor, case_id, for_update=True)
    if not patient_signed:
        raise field_error("patient_signed", "The patient must sign the lien agreement.")
    if signed_on > clock.today():
        raise field_error("signed_on", "The signing date is in the future.")
    _check_attorney("attorney_user_id", attorney_user_id, case.law_firm_id)
    if case.status != rules.ACTIVE:
        transition(actor, case, rules.ACTIVE, "lien agreement signed")
    previous = active_agreement(case.id)
    if previous is not None:
        previous.status = "superseded"
        db.session.flush()
    agreement = LienAgreement(case_id=case.id, law_firm_id=case.law_firm_id, signed_on=signed_on,
                              patient_signed=True, attorney_user_id=attorney_user_id,
                              document_sha256=document_sha256, non_recourse=non_recourse)
    db.session.add(agreement)
    db.session.flush()
    audit.record(actor, "lien_agreement.recorded", "lien_agreement", agreement.id,
                 {"case_id": case.id, "supersedes": previous.id if previous else None})
    return agreement


def add_external_treatment(actor: Actor | None, case_id: int, *, kind: str, started_on: date,
                           facility: str, ended_on: date | None = None,
                           protocol: str | None = None, dose: str | None = None,
                           notes: str | None = None) -> ExternalTreatment:
    """Record treatment given elsewhere; it is shown on the POGOS and never charged."""
    case = get_case(actor, case_id)
    if ended_on is not None and ended_on < started_on:
        raise field_error("ended_on", "The course ends before it starts.")
    treatment = ExternalTreatment(case_id=case.id, kind=kind, started_on=started_on,
                                  ended_on=ended_on, facility=facility, protocol=protocol,
                                  dose=dose, notes=notes)
    db.session.add(treatment)
    db.session.flush()
    audit.record(actor, "external_treatment.recorded", "external_treatment", treatment.id,
                 {"case_id": case.id, "kind": kind})
    return treatment


@dataclass(frozen=True)
class Substitution:
    """What substituting counsel does to a case: the firm it leaves and the one it joins, the
    agreement that stops being in force (if any) and the status it returns to."""

    case: Case
    from_firm: LawFirm
    to_firm: LawFirm
    attorney: User | None
    superseded: LienAgreement | None
    from_status: str
    to_status: str


def _substitution(case: Case, law_firm_id: int, attorney_user_id: int | None) -> Substitution:
    """The substitution of ``case`` to ``law_firm_id``, refused as transfer_case refuses it."""
    to_firm = db.session.get(LawFirm, law_firm_id)
    if to_firm is None:
        raise field_error("law_firm_id", "No such law firm.")
    if law_firm_id == case.law_firm_id:
        raise field_error("law_firm_id", "The case is already with this firm.")
    _check_attorney("attorney_user_id", attorney_user_id, law_firm_id)
    if case.status != rules.INTAKE:
        refuse_transition(case, rules.INTAKE)
    attorney = db.session.get(User, attorney_user_id) if attorney_user_id else None
    return Substitution(case, case.law_firm, to_firm, attorney, active_agreement(case.id),
                        case.status, rules.INTAKE)


def preview_transfer(actor: Actor | None, case_id: int, *, law_firm_id: int,
                     attorney_user_id: int | None = None) -> Substitution:
    """What :func:`transfer_case` would do, refused as it would be; nothing changes."""
    return _substitution(get_case(actor, case_id), law_firm_id, attorney_user_id)


def transfer_case(actor: Actor | None, case_id: int, *, law_firm_id: int,
                  attorney_user_id: int | None = None) -> Case:
    """Substitute counsel: the case moves to another firm and needs a new agreement.

    The old firm loses access at once; the history (fills, ledger, audit) stays with the case.
    """
    case = get_case(actor, case_id, for_update=True)
    substitution = _substitution(case, law_firm_id, attorney_user_id)
    if case.status != rules.INTAKE:
        transition(actor, case, rules.INTAKE, "substitution of counsel")
    if substitution.superseded is not None:
        substitution.superseded.status = "superseded"
    change = CounselChange(case_id=case.id, from_law_firm_id=case.law_firm_id,
                           to_law_firm_id=law_firm_id,
                           changed_by_user_id=actor_id(actor))
    db.session.add(change)
    case.law_firm_id, case.attorney_user_id = law_firm_id, attorney_user_id
    db.session.flush()
    audit.record(actor, "case.transferred", "case", case.id,
                 {"from_law_firm_id": change.from_law_firm_id, "to_law_firm_id": law_firm_id})
    return case


def hold_case(actor: Actor | None, case_id: int, reason: str) -> Case:
    """Put a case on hold (no new charges)."""
    case = get_case(actor, case_id, for_update=True)
    transition(actor, case, rules.ON_HOLD, reason)
    return case


def resume_case(actor: Actor | None, case_id: int) -> Case:
    """Take a case off hold: active with an agreement in force, else back to intake."""
    case = get_case(actor, case_id, for_update=True)
    if case.status != rules.ON_HOLD:
        raise Conflict("invalid_transition",
                       f"A case that is {rules.status_words(case.status)} is not on hold.")
    target = rules.ACTIVE if active_agreement(case.id) is not None else rules.INTAKE
    transition(actor, case, target, "resumed")
    return case


def record_suit_filed(actor: Actor | None, case_id: int, suit_filed_on: date | None) -> Case:
    """Record the day the client's suit was filed (None clears a mistaken entry): a filed suit
    takes the lien off the statute-of-limitations risk list."""
    case = get_case(actor, case_id, for_update=True)
    if suit_filed_on is not None and suit_filed_on > clock.today():
        raise field_error("suit_filed_on", "The filing date is in the future.")
    if suit_filed_on is not None and suit_filed_on < case.date_of_injury:
        raise field_error("suit_filed_on", "The suit cannot be filed before the injury.")
    previous, case.suit_filed_on = case.suit_filed_on, suit_filed_on
    db.session.flush()
    audit.record(actor, "case.suit_filed_recorded", "case", case.id,
                 {"from": previous.isoformat() if previous else None,
                  "to": suit_filed_on.isoformat() if suit_filed_on else None})
    return case
