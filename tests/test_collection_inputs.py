"""Malformed input on the citizens' path (issue 17): refused with a 4xx, nothing stored.

- a deeply nested JSON body is a 422, not a RecursionError;
- a lone surrogate escape (``"\\ud800"``) or a NUL in a text answer is refused with a message
  (or normalised), never a UnicodeEncodeError while hashing the body;
- a body over the size limit is a 413, chunked (no Content-Length) or not;
- nothing is stored in any of these cases.
"""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from survey.models import Submission
from tests.collect.factory import body, build_city, rating


def _url(db) -> str:
    city = build_city(db)
    return f"/api/v1/waves/{city.waves['open']}/submissions"


def _stored(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count(Submission.id)))


@pytest.mark.parametrize("raw", ["[" * 5_000 + "]" * 5_000, '{"a":' * 5_000 + "1" + "}" * 5_000],
                         ids=["arrays", "objects"])
def test_a_deeply_nested_body_is_422(client, db, raw: str) -> None:
    url = _url(db)
    response = client.post(url, data=raw, content_type="application/json")
    assert response.status_code == 422
    assert _stored(db) == 0


def test_nesting_inside_an_answer_is_422(client, db) -> None:
    url = _url(db)
    payload = body(ratings={"D01": {**rating(), "comment": None}, "H02": rating()})
    text = json.dumps(payload).replace("null", "[" * 3_000 + "]" * 3_000)
    response = client.post(url, data=text, content_type="application/json")
    assert response.status_code == 422
    assert _stored(db) == 0


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\u0000", "a\\ud83d"])
def test_a_lone_surrogate_or_nul_in_a_comment_is_refused(client, db, escape: str) -> None:
    url = _url(db)
    text = json.dumps(body(ratings={"D01": rating(comment="MARKER"), "H02": rating()}))
    response = client.post(url, data=text.replace("MARKER", escape), content_type="application/json")
    assert response.status_code == 422
    assert "comment" in response.get_data(as_text=True)
    assert _stored(db) == 0


def test_a_chunked_body_over_the_limit_is_413(client, app, db) -> None:
    url = _url(db)
    big = json.dumps(body(ratings={"D01": rating(comment="x" * (app.config["MAX_CONTENT_LENGTH"] + 10)),
                                   "H02": rating()})).encode()
    # gunicorn decodes a chunked body and says so (``wsgi.input_terminated``), so Werkzeug can
    # stop reading at the limit
    response = client.post(url, input_stream=io.BytesIO(big), content_type="application/json",
                           headers={"Transfer-Encoding": "chunked"},
                           environ_base={"wsgi.input_terminated": True})
    assert response.status_code == 413
    assert _stored(db) == 0


def test_a_body_over_the_limit_with_its_length_is_413(client, app, db) -> None:
    url = _url(db)
    big = b'{"comment": "' + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 10) + b'"}'
    response = client.post(url, data=big, content_type="application/json")
    assert response.status_code == 413
    assert _stored(db) == 0
