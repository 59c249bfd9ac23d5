"""Fixtures of the collection tests: a small city with open, invitation, closed and future waves."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.collect.factory import City, build_city


@pytest.fixture
def city(db: Session) -> City:
    return build_city(db)
