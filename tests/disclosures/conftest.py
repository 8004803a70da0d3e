"""The records of a case every attorney route can name (shared with the scoping walk)."""

from tests.api.test_attorney_scoping import other_firms_records  # noqa: F401  (a fixture)
