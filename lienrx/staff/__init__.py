"""Staff workbench: the pages pharmacists, technicians and billing staff work in.

Pages call other domains' services and queries only; nothing imports this package.
"""

from lienrx.staff import (  # noqa: F401  (each module registers its routes on the blueprint)
    account,
    attestations,
    billing,
    board,
    case_actions,
    cases,
    compounding,
    dispensing,
    edits,
    intake,
    inventory,
    patients,
    pdmp,
    prescription_actions,
    prescriptions,
    queue,
    users,
)
from lienrx.staff.blueprint import bp

__all__ = ["bp"]
