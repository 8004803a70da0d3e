"""SPEC §4.1 identifiers."""

import pytest

from lienrx.core.identifiers import dea_valid, icd10_format_valid, normalize_ndc, npi_valid


@pytest.mark.parametrize("npi", ["1234567893", "1558598797", "1245319599"])
def test_npi_luhn_with_80840_prefix_accepts_valid(npi):
    assert npi_valid(npi)


@pytest.mark.parametrize("npi", ["1234567890", "3234567893", "123456789", ""])
def test_npi_luhn_with_80840_prefix_refuses_invalid(npi):
    assert not npi_valid(npi)


def test_dea_check_digit():
    assert dea_valid("AP5836727")
    assert dea_valid("ap5836727")
    assert not dea_valid("AB4523763")


def test_dea_prescriber_first_letter_is_a_b_f_g_or_m():
    assert dea_valid("BP5836727") and dea_valid("MP5836727")
    assert not dea_valid("PP5836727") and not dea_valid("RP5836727")


@pytest.mark.parametrize(("raw", "normalised"), [
    ("0002-7597-01", "00002759701"),
    ("50242-040-62", "50242004062"),
    ("60575-4112-1", "60575411201"),
    ("00002759701", "00002759701"),
])
def test_ndc_normalised_to_11_digit_5_4_2(raw, normalised):
    assert normalize_ndc(raw) == normalised


@pytest.mark.parametrize("raw", ["0002759701", "1-2-3", "abcd-efgh-ij", "123456-12-1"])
def test_ambiguous_or_malformed_ndc_refused(raw):
    with pytest.raises(ValueError):
        normalize_ndc(raw)


def test_icd10_format():
    assert icd10_format_valid("G90.511") and icd10_format_valid("S62.101A")
    assert not icd10_format_valid("U07") and not icd10_format_valid("G9.511")
