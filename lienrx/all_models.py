"""Import every model so the metadata (and Alembic) sees the whole schema."""

# ruff: noqa: F401
from lienrx.attestations.models import Attestation, AttestationKey
from lienrx.audit.models import AuditChainHead, AuditEvent
from lienrx.auth.models import ApiToken, TotpFactor, User
from lienrx.case_documents.models import CaseDocument, CaseDocumentContent
from lienrx.cases.models import Case, CaseDiagnosis, CounselChange, ExternalTreatment, LienAgreement
from lienrx.compounding.models import CompoundingRecord, IngredientLot
from lienrx.core.idempotency import IdempotencyKey
from lienrx.core.ratelimit import RateLimitCounter
from lienrx.core.reference import ReferenceToken
from lienrx.disclosures.models import Disclosure
from lienrx.dispensing.models import Dispense
from lienrx.dur.models import DurAlert, DurClass, DurRule
from lienrx.formulary.models import (
    FormulationIngredient,
    MasterFormulation,
    Product,
    ProductPrice,
)
from lienrx.inventory.models import (
    InventoryCount,
    InventoryCountLine,
    InventoryDestruction,
    InventoryLot,
    InventoryMovement,
)
from lienrx.ledger.models import JournalEntry, LedgerAccount, Posting
from lienrx.notifications.models import ReadMark
from lienrx.outbox.models import NotificationPreference, OutboxMessage, WebhookSubscription
from lienrx.parties.models import LawFirm, OutsideMedication, Patient, Prescriber
from lienrx.pdmp.models import PdmpReport, PdmpReportRecord
from lienrx.prescribing.models import Prescription
from lienrx.reduction_requests.models import ReductionRequest, ReductionRequestStep
from lienrx.settlement.models import (
    Payment,
    PayoffStatement,
    Reduction,
    ReleaseLetter,
    Settlement,
)
from lienrx.webhooks.models import WebhookDelivery
