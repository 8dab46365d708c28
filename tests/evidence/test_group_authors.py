"""A group author ({"literal": "SPRINT Research Group"}) is named wherever a person would be."""

from __future__ import annotations

from evidence.admin import SourceAdmin
from evidence.models import Source, first_author_name
from evidence.verification import author_matches

GROUP = {"literal": "SPRINT Research Group"}


def test_short_labels_name_the_group():
    source = Source(pk=7, title="A randomized trial of intensive blood-pressure control", year=2015)
    source.authors = [GROUP, {"family": "Wright", "given": "JT"}]
    assert str(source) == (
        "SPRINT Research Group 2015: A randomized trial of intensive blood-pressure control"
    )
    assert first_author_name(source.authors) == "SPRINT Research Group"
    assert SourceAdmin.first_author(None, source) == "SPRINT Research Group et al."


def test_a_group_matches_itself_and_not_a_person():
    assert author_matches(GROUP, {"literal": "SPRINT Research Group"})
    assert not author_matches(GROUP, {"family": "Wright", "given": "JT"})


def test_json_ld_names_a_group_as_an_organization():
    from articles.public.jsonld import _author

    assert _author(GROUP) == {"@type": "Organization", "name": "SPRINT Research Group"}
    assert _author({"family": "Wright", "given": "JT"}) == {"@type": "Person", "name": "JT Wright"}
