"""Fixtures shared by the formulary, prescribing, compounding and DUR tests."""

from tests.formulary.factories import pharmacist, seeded, tech  # noqa: F401
