"""One engine per application and one session per request (or CLI command).

Views call :func:`db_session` to get the request's session and commit once at the end; any
exception rolls the session back at teardown, so a failed request leaves the database as it was.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from survey.db import make_engine, make_session_factory


def init_database(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["minyi_engine"] = engine
    app.extensions["minyi_database"] = str(engine.url)  # a cache key (password masked)
    app.extensions["minyi_sessions"] = make_session_factory(engine)

    @app.teardown_appcontext
    def _close_session(exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            if exc is not None or session.in_transaction():
                session.rollback()
            session.close()


def db_session() -> Session:
    """The session of the current request or command, created on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["minyi_sessions"]()
    return g.db_session
