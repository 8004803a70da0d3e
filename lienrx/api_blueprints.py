"""Every API blueprint, in the order they appear in the OpenAPI document."""

from lienrx.attestations.api import blp as attestations
from lienrx.auth.api import blp as auth
from lienrx.case_documents.api import blp as case_documents
from lienrx.cases.api import blp as cases
from lienrx.compounding.api import blp as compounding
from lienrx.disclosures.api import blp as disclosures
from lienrx.dispensing.api import blp as dispensing
from lienrx.dur.api import blp as dur
from lienrx.exports.api import blp as exports
from lienrx.formulary.api import blp as formulary
from lienrx.inventory.api import blp as inventory
from lienrx.parties.api import blp as parties
from lienrx.pdmp.api import blp as pdmp
from lienrx.prescribing.api import blp as prescribing
from lienrx.reduction_requests.api import blp as reduction_requests
from lienrx.reports.api import blp as reports
from lienrx.settlement.api import blp as settlement
from lienrx.webhooks.api import blp as webhooks

API_BLUEPRINTS = [auth, parties, cases, formulary, prescribing, compounding, dur, dispensing,
                  settlement, exports, attestations, reduction_requests, pdmp,
                  inventory, case_documents, webhooks, reports, disclosures]
