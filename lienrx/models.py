"""Import every model so the metadata (and Alembic) sees the whole schema."""

from lienrx.audit.models import AuditChainHead, AuditEvent
from lienrx.auth.models import ApiToken, User
from lienrx.cases.models import Case, CaseDiagnosis, CounselChange, ExternalTreatment, LienAgreement
from lienrx.ledger.models import JournalEntry, LedgerAccount, Posting
from lienrx.parties.models import LawFirm, Patient, Prescriber

__all__ = [
    "ApiToken", "AuditChainHead", "AuditEvent", "Case", "CaseDiagnosis", "CounselChange",
    "ExternalTreatment", "JournalEntry", "LawFirm", "LedgerAccount", "LienAgreement", "Patient",
    "Posting", "Prescriber", "User",
]
