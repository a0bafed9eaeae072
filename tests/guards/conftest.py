"""The guard tests run without a database (see the README's "Mutation testing of the guards")."""

from __future__ import annotations

import pytest

from polysynergy_nodes_content.content_engine.rules import patterns as rule_patterns


@pytest.fixture(autouse=True)
def _parse_patterns_afresh():
    """Each test parses its patterns itself: a form cached by an earlier test (or by the
    run that collected which tests call what) would hide a changed parser from mutation testing."""
    rule_patterns._rule_pattern.cache_clear()
    yield
