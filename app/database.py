"""One engine per application and one session per request (or CLI command), committed at the edge.

Views call :func:`db_session` and never commit: after the view, a response below 400 commits the
request's transaction and anything else rolls it back (:func:`init_database`). A commit that
fails becomes the request's error, so nothing is acknowledged that was not stored. A view that
keeps a 2xx/3xx answer but must not store its changes (a form re-shown with a message after a
service refused it) calls :func:`discard_changes`. When the commit fails, the error page leaves
the session cookie as the browser sent it: a survey's "stored" state never outlives its rows.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from flask import session as cookie_session
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from survey.db import make_engine, make_session_factory


def init_database(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["minyi_engine"] = engine
    app.extensions["minyi_database"] = str(engine.url)  # a cache key (password masked)
    app.extensions["minyi_sessions"] = make_session_factory(engine)
    app.extensions["minyi_app"] = app  # for work handed to a thread (this_app)

    @app.after_request
    def _commit_or_roll_back(response: Response) -> Response:
        session: Session | None = g.get("db_session")
        if g.get("db_commit_failed"):
            # the error page of a failed commit: the cookie must not claim what was not stored
            cookie_session.modified = False
        if session is not None and session.in_transaction():
            if response.status_code < 400:
                try:
                    session.commit()
                except Exception:
                    g.db_commit_failed = True
                    session.rollback()
                    raise
            else:
                session.rollback()
        return response

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


def this_app() -> Flask:
    """The application object itself (not the ``current_app`` proxy), for a background thread."""
    app: Flask = current_app.extensions["minyi_app"]
    return app


def discard_changes() -> None:
    """Roll back what this request wrote so far (the edge then has nothing to commit)."""
    session: Session | None = g.get("db_session")
    if session is not None:
        session.rollback()
