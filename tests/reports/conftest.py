"""The staff pages' signed-in clients, for the billing board's page tests."""

from tests.staff.conftest import staff  # noqa: F401  (a fixture)
