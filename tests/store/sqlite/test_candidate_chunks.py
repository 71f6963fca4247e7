"""The sweep's candidates statement stays within SQLite's bound variables, however many
circles a config has (a config of 40 circles once made it fail: "too many SQL variables")."""

from __future__ import annotations

import pytest

from bot.store.sqlite.store import CANDIDATE_OWNERS, _owners_per_statement

SQLITE_MAX_VARIABLES = 32_766


@pytest.mark.parametrize("circles", [1, 5, 27, 28, 40, 500, 10_000])
def test_one_statement_binds_no_more_than_sqlite_allows(circles: int) -> None:
    names = circles + 1
    per = _owners_per_statement(circles, names)
    assert 1 <= per <= CANDIDATE_OWNERS
    if per > 1:
        assert per * (6 * circles + 4) + names <= SQLITE_MAX_VARIABLES
    assert _owners_per_statement(5, 6) == CANDIDATE_OWNERS  # the usual config: full chunks
