"""A rate limit whose Redis is down falls back to the worker's memory instead of answering 500."""

from __future__ import annotations

from app import create_app
from tests.collect.factory import body, build_city
from tests.conftest import TEST_SECRET


def test_submissions_and_logins_work_while_redis_is_unreachable(database_url: str) -> None:
    from survey.db import make_engine, make_session_factory

    engine = make_engine(database_url)
    session = make_session_factory(engine)()
    city = build_city(session)
    session.commit()
    session.close()
    engine.dispose()
    app = create_app({"ENVIRON": {"MINYI_ENV": "testing", "MINYI_DATABASE_URL": database_url,
                                  "MINYI_SECRET_KEY": TEST_SECRET,
                                  "MINYI_REDIS_URL": "redis://127.0.0.1:1/0"},  # nothing listens
                      "SUBMIT_RATE_LIMIT": "2 per minute"})
    client = app.test_client()
    url = f"/api/v1/waves/{city.waves['open']}/submissions"
    statuses = [client.post(url, json=body()).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]  # counted in memory meanwhile
    assert client.get("/login").status_code == 200
    app.extensions["minyi_engine"].dispose()
