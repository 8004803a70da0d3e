"""Reading what a barcode scanner types on a drug package: UPC-A, GS1 element strings raw
and printed, separators, symbology prefixes, the end-of-month expiry, check digits, and
matching the 10-digit NDC to a product's 11-digit NDCs."""

from datetime import date

import pytest

from lienrx.core.barcodes import ScanError, ndc11_forms, read, resolve_ndc

# Gabapentin 300 mg, NDC 65162-102-10 (5-3-2): NDC10 6516210210.
GABAPENTIN_UPC = "365162102109"
GABAPENTIN_GTIN = "00365162102109"
GS = "\x1d"


def test_upc_a_of_number_system_3_carries_the_ndc_in_digits_2_to_11():
    scan = read(GABAPENTIN_UPC)
    assert (scan.ndc10, scan.lot, scan.expiry) == ("6516210210", None, None)
    assert scan.source == "UPC-A 365162102109"


def test_upc_a_with_a_bad_check_digit_is_refused():
    with pytest.raises(ScanError, match="Bad check digit in 365162102108"):
        read("365162102108")


def test_upc_a_of_another_number_system_carries_no_ndc():
    with pytest.raises(ScanError, match="number system 0, not 3"):
        read("012345678905")


def test_printed_gs1_element_string_gives_ndc_lot_and_expiry():
    scan = read(f"(01){GABAPENTIN_GTIN}(17)271231(10)GB2291A")
    assert (scan.ndc10, scan.lot, scan.expiry) == ("6516210210", "GB2291A", date(2027, 12, 31))
    assert scan.describe() == ("GTIN 00365162102109: NDC 6516210210, lot GB2291A, "
                               "expiry 2027-12-31")


def test_printed_form_with_spaces_as_on_a_label_is_read():
    scan = read(f"(01) {GABAPENTIN_GTIN} (17) 270600 (10) GB2291A")
    assert (scan.lot, scan.expiry) == ("GB2291A", date(2027, 6, 30))


def test_raw_element_string_with_gs_separators_is_read():
    scan = read(f"01{GABAPENTIN_GTIN}10GB2291A{GS}17271231{GS}21SERIAL99")
    assert (scan.ndc10, scan.lot, scan.expiry) == ("6516210210", "GB2291A", date(2027, 12, 31))


def test_leading_fnc1_typed_as_gs_is_ignored():
    assert read(f"{GS}01{GABAPENTIN_GTIN}17271231").expiry == date(2027, 12, 31)


@pytest.mark.parametrize("prefix", ["]d2", "]C1", "]Q3"])
def test_symbology_prefix_of_datamatrix_gs1_128_and_qr_is_read(prefix):
    scan = read(f"{prefix}01{GABAPENTIN_GTIN}1727123110GB2291A")
    assert (scan.ndc10, scan.lot, scan.expiry) == ("6516210210", "GB2291A", date(2027, 12, 31))


def test_expiry_day_00_means_the_end_of_the_month():
    assert read(f"(01){GABAPENTIN_GTIN}(17)280200").expiry == date(2028, 2, 29)
    assert read(f"01{GABAPENTIN_GTIN}17270400").expiry == date(2027, 4, 30)


def test_gtin_with_a_bad_check_digit_is_refused_in_either_form():
    for typed in ("(01)00365162102108(17)271231", "]d20100365162102108"):
        with pytest.raises(ScanError, match="Bad check digit in GTIN 00365162102108"):
            read(typed)


def test_an_impossible_expiry_date_is_unreadable():
    with pytest.raises(ScanError, match="not a readable GS1 element string"):
        read(f"(01){GABAPENTIN_GTIN}(17)271331")


def test_gtin_that_is_not_a_us_drug_is_refused():
    with pytest.raises(ScanError, match="GTIN 07038010021145 is not a US drug's"):
        read("(01)07038010021145")


def test_element_string_without_gtin_is_refused():
    with pytest.raises(ScanError, match="no GTIN"):
        read("(10)GB2291A(17)271231")


@pytest.mark.parametrize("typed", ["", "   ", "hello", "65162-102-10"])
def test_text_that_is_no_barcode_is_refused(typed):
    with pytest.raises(ScanError):
        read(typed)


def test_ten_digits_may_be_three_ndcs():
    assert ndc11_forms("6516210210") == ("06516210210", "65162010210", "65162102100")


@pytest.mark.parametrize(("ndc10", "listed", "found"), [
    ("6516210210", ["65162010210"], "65162010210"),          # 5-3-2
    ("0002759701", ["00002759701", "99999999999"], "00002759701"),  # 4-4-2
    ("6057541121", ["60575411201"], "60575411201"),          # 5-4-1
    ("6516210210", ["65162010290"], None),                   # another package
])
def test_scanned_ndc_resolves_only_against_the_products_own_ndcs(ndc10, listed, found):
    assert resolve_ndc(ndc10, listed) == found


def test_ten_digits_matching_two_listed_ndcs_are_not_guessed():
    assert resolve_ndc("6516210210", ["06516210210", "65162010210"]) is None
