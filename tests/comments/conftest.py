"""Comment tests: each starts with an empty comment cache (the PostgreSQL pass empties one
database between tests, so ids and contents come back)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _fresh_comment_cache() -> Iterator[None]:
    from survey.comments.corpus import clear_cache

    clear_cache()
    yield
    clear_cache()
