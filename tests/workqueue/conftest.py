"""Fixtures for the work queue: signed-in staff clients."""

from tests.staff.conftest import staff  # noqa: F401  (a fixture)
