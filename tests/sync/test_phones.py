"""The one phone rule both apps apply."""
import pytest

from sync.phones import PhoneError, normalize


@pytest.mark.parametrize("raw", ["081234567890", "+62 812-3456-7890", "6281234567890", "0062 812 3456 7890",
                                 "+62 (0)812 3456 7890", "(0812) 3456.7890"])
def test_indonesian_numbers_have_one_form(raw):
    assert normalize(raw) == "081234567890"


def test_other_countries_keep_their_code():
    assert normalize("+65 8123 4567") == "+6581234567"


@pytest.mark.parametrize("raw", ["", "12ab", "+0812345678", "0812", "08١٢٣٤٥٦٧٨٩", "0" * 20])
def test_malformed_numbers_are_refused(raw):
    with pytest.raises(PhoneError):
        normalize(raw)
