"""The section scope a restricted caller (MCP --sections, the ContentTools node) carries:
exact handles only, no normalisation that a crafted name could slip through. The
end-to-end proofs (hidden sections answered as missing, property-based over filters,
paths and writes) are in tests/scope/."""

from __future__ import annotations

import pytest

from polysynergy_nodes_content.content_engine.section_scope import EVERY_SECTION, SectionScope


def test_an_unrestricted_scope_allows_everything():
    assert not EVERY_SECTION.restricted and SectionScope().restricted is False
    assert all(EVERY_SECTION.allows(h) for h in ("articles", "people", "", None))
    assert repr(EVERY_SECTION) == "SectionScope(all)"


@pytest.mark.parametrize("handle", [
    "people", " articles", "articles ", "\tarticles", "Articles", "ARTICLES", "articles.x", "", None, "article"])
def test_a_restricted_scope_allows_only_its_exact_handles(handle):
    scope = SectionScope(["articles", "topics"])
    assert scope.restricted is True
    assert scope.allows("articles") and scope.allows("topics")
    assert scope.allows(handle) is False


def test_an_empty_list_allows_nothing_and_the_scope_is_a_copy():
    assert SectionScope([]).restricted and not SectionScope([]).allows("articles")
    given = ["articles"]
    scope = SectionScope(given)
    given.append("people")
    assert not scope.allows("people") and repr(scope) == "SectionScope(['articles'])"
    assert repr(SectionScope(["b", "a"])) == "SectionScope(['a', 'b'])"
