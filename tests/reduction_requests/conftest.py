"""A case with a $1,000.00 lien, its firm's attorney and a billing clerk, over the API."""

from __future__ import annotations

import pytest

from lienrx.extensions import db
from tests import factories


@pytest.fixture
def charged(app, world):
    """The world case carrying a $1,000.00 lien."""
    with app.app_context():
        factories.ledger_charge(world.case_id, 100_000)
        db.session.commit()
    return world


@pytest.fixture
def counsel(api_as, charged):
    return api_as("attorney", firm=charged.firm_id)


@pytest.fixture
def billing(api_as):
    return api_as("billing")
