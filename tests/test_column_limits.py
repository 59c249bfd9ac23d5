"""Values their column cannot hold are a form error on both databases (issue 17).

PostgreSQL answered a 10,000-character peer group English name (``VARCHAR(200)``) with
StringDataRightTruncation, a 500 whose error page then failed too; SQLite stored it whole.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey.column_limits import column_errors
from survey.errors import ValidationFailed
from survey.models import PeerGroup, Quota
from tests.office.fixtures import golden_city


def test_column_errors_name_the_field_and_its_limit(app) -> None:
    with app.test_request_context("/?lang=en"):
        assert column_errors(PeerGroup(code="G", name="n" * 201, name_en="ok")) == [
            ("name", "At most 200 characters (201 given).")]
        assert column_errors(Quota(wave_id=1, cell="district=A", target=2**31)) == [
            ("target", "The number 2147483648 is too large.")]
        assert column_errors(PeerGroup(code="G" * 32, name="n" * 200)) == []


def test_a_flush_with_an_overlong_value_is_refused_and_stores_nothing(app, db) -> None:
    golden_city(db)
    db.commit()
    group = db.scalars(select(PeerGroup)).one()
    group.name_en = "x" * 10_000
    with app.test_request_context("/?lang=en"), pytest.raises(ValidationFailed) as error:
        db.flush()
    assert error.value.errors == [("name_en", "At most 200 characters (10000 given).")]
    db.rollback()
    assert db.scalars(select(PeerGroup)).one().name_en != "x" * 10_000


def test_the_peer_group_form_shows_the_limit(client, auth, db) -> None:
    golden_city(db)
    db.commit()
    group_id = db.scalars(select(PeerGroup.id)).one()
    auth.login_as("admin")
    client.get("/lang/en?next=/")
    url = f"/admin/peer-groups/{group_id}/edit"
    response = client.post(url, data={"csrf_token": auth.csrf(url), "code": "G", "name": "县区",
                                      "name_en": "[" * 5_000})
    assert response.status_code == 422
    assert "At most 200 characters (5000 given)." in response.get_data(as_text=True)
    db.expire_all()
    assert db.scalars(select(PeerGroup.name_en)).one() != "[" * 5_000
