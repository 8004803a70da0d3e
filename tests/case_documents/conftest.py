"""Case documents are counted and listed here: the world case starts with none on file."""

from typing import Any

import pytest
from flask import Flask

from lienrx.extensions import db
from tests import factories


@pytest.fixture
def world(app: Flask) -> Any:
    """The shared world, without the HIPAA authorization the other tests' world carries."""
    with app.app_context():
        built = factories.World.build(authorized=False)
        db.session.commit()
        return built
