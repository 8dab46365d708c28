"""Reading DOIs, PMIDs, PMCIDs and ISBNs the way references really write them."""

import pytest

from evidence.identifiers import (
    InvalidIdentifier,
    doi_from_url,
    normalize_doi,
    normalize_isbn,
    normalize_pmcid,
    normalize_pmid,
)

LIVER = "10.1186/s13287-023-03518-x"


@pytest.mark.parametrize(
    "written",
    [
        LIVER,
        f"doi:{LIVER}",
        f"DOI: {LIVER}",
        f"doi {LIVER}",
        f"https://doi.org/{LIVER}",
        f"http://dx.doi.org/{LIVER}",
        f"https://www.doi.org/{LIVER}",
        f"doi.org/{LIVER}",
        f"{LIVER}.",
        f"  {LIVER.upper()}  ",
        f"https://doi.org/{LIVER}?utm_source=newsletter",
        f"https://doi.org/{LIVER}#abstract",
        # The seed's liver cirrhosis "Source:" line: a publisher URL ending in a full stop.
        f"https://stemcellres.biomedcentral.com/articles/{LIVER}.",
        f"https://link.springer.com/content/pdf/{LIVER}.pdf",
        f"(see https://doi.org/{LIVER})",
    ],
)
def test_every_way_of_writing_a_doi_gives_the_same_doi(written):
    assert normalize_doi(written) == LIVER


@pytest.mark.parametrize(
    ("written", "doi"),
    [
        (
            "https://www.frontiersin.org/articles/10.3389/fcell.2021.696434/full",
            "10.3389/fcell.2021.696434",
        ),
        ("doi:10.3389/fcell.2021.696434", "10.3389/fcell.2021.696434"),
        ("https://doi.org/10.52586/4980", "10.52586/4980"),
        (
            "https://onlinelibrary.wiley.com/doi/epdf/10.1002/sctm.20-0001",
            "10.1002/sctm.20-0001",
        ),
        (
            "https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0123456",
            "10.1371/journal.pone.0123456",
        ),
        (
            "https://www.medrxiv.org/content/10.1101/2020.03.01.20029983v2.full",
            "10.1101/2020.03.01.20029983",
        ),
        # Brackets that belong to the DOI stay; the one that closes the sentence goes.
        ("10.1016/S0140-6736(20)30183-5)", "10.1016/s0140-6736(20)30183-5"),
        (
            "https://doi.org/10.1002/(SICI)1097-4636(199706)35:4%3C425::AID-JBM2%3E3.0.CO;2-C",
            "10.1002/(sici)1097-4636(199706)35:4<425::aid-jbm2>3.0.co;2-c",
        ),
    ],
)
def test_publisher_and_resolver_urls(written, doi):
    assert normalize_doi(written) == doi


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("", "does not contain a DOI"),
        ("Stem Cell Research & Therapy, 2023", "does not contain a DOI"),
        ("https://www.sciencedirect.com/science/article/pii/S0140673620301835", "does not"),
        ("11.1186/s13287", "does not contain a DOI"),
        ("10.123/abc", "not a well-formed DOI"),  # registrant codes have 4 to 9 digits
        ("10.1186/abc def", "not a well-formed DOI"),
        ("10.1186/", "not a well-formed DOI"),
        ("10.１１８６/abc", "not a well-formed DOI"),  # full-width digits are not ASCII
        ("10.1186/abc{x}", "not a well-formed DOI"),
    ],
)
def test_what_is_not_a_doi_is_refused_with_a_reason(written, message):
    with pytest.raises(InvalidIdentifier, match=message):
        normalize_doi(written)


def test_doi_from_url_returns_none_instead_of_raising():
    assert doi_from_url(f"https://stemcellres.biomedcentral.com/articles/{LIVER}.") == LIVER
    assert doi_from_url("https://clinic.example/blog/liver") is None


@pytest.mark.parametrize(
    ("written", "pmid"),
    [("34307374", "34307374"), (34307374, "34307374"), ("PMID: 123", "123"),
     ("pmid 123", "123"), (" 00123 ", "123")],
)  # fmt: skip
def test_pmids_are_positive_whole_numbers(written, pmid):
    assert normalize_pmid(written) == pmid


@pytest.mark.parametrize("written", ["0", "-5", "12a", "", "1.5", "²", "١٢٣", "1234567890"])
def test_what_is_not_a_pmid_is_refused(written):
    with pytest.raises(InvalidIdentifier, match="not a PubMed ID"):
        normalize_pmid(written)


@pytest.mark.parametrize(
    ("written", "pmcid"), [("PMC8294090", "PMC8294090"), ("pmc8294090", "PMC8294090"),
                           ("8294090", "PMC8294090"), (" PMC0042 ", "PMC42")],
)  # fmt: skip
def test_pmcids(written, pmcid):
    assert normalize_pmcid(written) == pmcid


@pytest.mark.parametrize("written", ["PMC", "PMC0", "PMCabc", "PMID123", "PMC١٢٣", ""])
def test_what_is_not_a_pmcid_is_refused(written):
    with pytest.raises(InvalidIdentifier, match="PubMed Central"):
        normalize_pmcid(written)


@pytest.mark.parametrize(
    ("written", "isbn"),
    [
        ("978-0-306-40615-7", "9780306406157"),
        ("9780306406157", "9780306406157"),
        ("ISBN 978 0 306 40615 7", "9780306406157"),
        ("ISBN-13: 978-0-306-40615-7", "9780306406157"),
        ("0-306-40615-2", "9780306406157"),  # ISBN-10, converted
        ("0-8044-2957-X", "9780804429573"),  # ISBN-10 whose check digit is X
        ("979-10-90636-07-1", "9791090636071"),
    ],
)
def test_isbn_13_with_checksum(written, isbn):
    assert normalize_isbn(written) == isbn


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("978-0-306-40615-8", "wrong ISBN-13 check digit"),
        ("0-306-40615-3", "wrong ISBN-10 check digit"),
        ("977-0-306-40615-7", "not an ISBN-13"),
        ("978-0-306", "not an ISBN-13"),
        ("", "not an ISBN-13"),
    ],
)
def test_wrong_isbns_are_refused(written, message):
    with pytest.raises(InvalidIdentifier, match=message):
        normalize_isbn(written)
