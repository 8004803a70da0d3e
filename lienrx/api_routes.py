"""Every API blueprint, in the order they appear in the OpenAPI document."""

from lienrx.attestations.api import blp as attestations
from lienrx.auth.api import blp as auth
from lienrx.cases.api import blp as cases
from lienrx.exports.api import blp as exports
from lienrx.parties.api import blp as parties
from lienrx.settlement.api import blp as settlement

API_BLUEPRINTS = [auth, parties, cases, settlement, exports, attestations]
