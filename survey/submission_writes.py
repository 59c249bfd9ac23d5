"""Writing one accepted submission: consume the invitation, insert the submission, its ratings,
its quarantine review and the participation record, and delete the invitation's saved draft.

The writes happen all together or not at all, and only while the invitation is unused: the
conditional ``UPDATE invitation ... WHERE used_at IS NULL`` must change its row, or nothing is
written (another submission with the code won). On PostgreSQL they are one statement of
data-modifying CTEs, one round trip to the server whatever the number of ratings (the separate
statements cost a submission five round trips and ten rating executions); on SQLite, which runs
in the process, one statement per table in the caller's transaction, each compiled once and run
on the driver's cursor (:mod:`survey.precompiled`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    bindparam,
    column,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session

from survey.models import Draft, Invitation, Participation, QualityReview, Rating, Submission
from survey.models.submissions import random_participation_id
from survey.precompiled import Precompiled
from survey.submission_store import SubmissionRows

_S, _R, _Q, _P = (Submission.__table__, Rating.__table__, QualityReview.__table__,
                  Participation.__table__)
_I, _D = Invitation.__table__, Draft.__table__
_CONSUME = (update(_I).where(_I.c.id == bindparam("invitation"), _I.c.used_at.is_(None),
                             _I.c.revoked_at.is_(None))
            .values(used_at=bindparam("used_on", type_=_I.c.used_at.type)))
_DELETE_DRAFT = delete(_D).where(_D.c.invitation_id == bindparam("invitation"))
_SUBMISSION_COLUMNS = [c.name for c in _S.columns if c.name != "id"]
_REVIEW_COLUMNS = ["action", "reason", "actor", "at"]
_RATING_COLUMNS = ["unit_id", "item", "choice", "choice_index"]


def write_submission(session: Session, rows: SubmissionRows, *, invitation_id: int | None,
                     used_on: datetime | None, device_hash: str | None, recorded_on: date,
                     delete_draft: bool) -> int | None:
    """Write one submission (see the module's docstring); returns its id, or None when the
    invitation was used or revoked meanwhile (nothing written). A unique constraint (the same
    client_submission_id, device or invitation) raises ``IntegrityError``."""
    conn = session.connection()
    participation = {"wave_id": rows.submission["wave_id"], "invitation_id": invitation_id,
                     "device_hash": device_hash, "recorded_on": recorded_on}
    if conn.dialect.name == "postgresql":
        return _write_in_one_statement(conn, rows, invitation_id, used_on, participation,
                                       delete_draft)
    statements = _plain_statements(conn.dialect)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if invitation_id is not None and statements["consume"].execute(
                cursor, {"invitation": invitation_id, "used_on": used_on}).rowcount != 1:
            return None
        submission_id = statements["submission"].execute(cursor, rows.submission).fetchone()[0]
        if rows.ratings:
            statements["rating"].execute_many(
                cursor, [{**r, "submission_id": submission_id} for r in rows.ratings])
        if rows.review is not None:
            statements["review"].execute(cursor, {**rows.review, "submission_id": submission_id})
        statements["participation"].execute(cursor, {**participation, "id": random_participation_id()})
        if delete_draft:
            statements["draft"].execute(cursor, {"invitation": invitation_id})
    finally:
        cursor.close()
    return submission_id


_PLAIN: dict[str, dict[str, Precompiled]] = {}


def _plain_statements(dialect: Dialect) -> dict[str, Precompiled]:
    """One statement per table, compiled once per dialect (run on the cursor: SQLite takes less
    time to run them than SQLAlchemy takes around each, and it runs them under its write lock)."""
    statements = _PLAIN.get(dialect.name)
    if statements is None:
        def values(table: Any, *names: str) -> Any:
            return insert(table).values({n: bindparam(n, type_=table.c[n].type) for n in names})

        statements = _PLAIN[dialect.name] = {name: Precompiled(statement, dialect) for name, statement in {
            "consume": _CONSUME,
            "submission": values(_S, *_SUBMISSION_COLUMNS).returning(_S.c.id),
            "rating": values(_R, "wave_id", "submission_id", *_RATING_COLUMNS),
            "review": values(_Q, "submission_id", *_REVIEW_COLUMNS),
            "participation": values(_P, "id", "wave_id", "invitation_id", "device_hash", "recorded_on"),
            "draft": _DELETE_DRAFT,
        }.items()}
    return statements


_STATEMENTS: dict[tuple[bool, bool, bool, bool], Any] = {}


def _write_in_one_statement(conn: Connection, rows: SubmissionRows, invitation_id: int | None,
                            used_on: datetime | None, participation: dict[str, Any],
                            delete_draft: bool) -> int | None:
    shape = (invitation_id is not None, bool(rows.ratings), rows.review is not None, delete_draft)
    statement = _STATEMENTS.get(shape)
    if statement is None:
        statement = _STATEMENTS[shape] = _one_statement(*shape)
    params: dict[str, Any] = {f"s_{k}": rows.submission.get(k) for k in _SUBMISSION_COLUMNS}
    params.update({f"p_{k}": v for k, v in participation.items()})
    params["p_id"] = random_participation_id()
    if invitation_id is not None:
        params.update(invitation=invitation_id, used_on=used_on)
    if rows.ratings:
        params["ratings"] = [{k: r[k] for k in _RATING_COLUMNS} for r in rows.ratings]
    if rows.review is not None:
        params.update({f"q_{k}": rows.review[k] for k in _REVIEW_COLUMNS})
    return conn.execute(statement, params).scalar()


def _one_statement(consume: bool, ratings: bool, review: bool, delete_draft: bool) -> Any:
    """``WITH used AS (UPDATE invitation ...), sub AS (INSERT INTO submission SELECT ... FROM
    used RETURNING id), ... SELECT id FROM sub``: every insert reads ``sub``, so with no unused
    invitation nothing is inserted and no row comes back."""
    values = select(*[bindparam(f"s_{k}", type_=_S.c[k].type) for k in _SUBMISSION_COLUMNS])
    if consume:
        used = (update(_I).where(_I.c.id == bindparam("invitation"), _I.c.used_at.is_(None),
                                 _I.c.revoked_at.is_(None))
                .values(used_at=bindparam("used_on", type_=_I.c.used_at.type))
                .returning(_I.c.id).cte("used"))
        values = values.select_from(used)
    sub = insert(_S).from_select(_SUBMISSION_COLUMNS, values).returning(_S.c.id).cte("sub")
    ctes = []
    new_id = sub.c.id.label("submission_id")
    if ratings:
        given = (func.jsonb_to_recordset(bindparam("ratings", type_=JSONB))
                 .table_valued(column("unit_id", Integer), column("item", String),
                               column("choice", String), column("choice_index", Integer))
                 .render_derived(name="given", with_types=True))
        ctes.append(insert(_R).from_select(
            ["wave_id", "submission_id", *_RATING_COLUMNS],
            select(bindparam("s_wave_id", type_=Integer), new_id,
                   *[given.c[k] for k in _RATING_COLUMNS]).select_from(sub).join(given, true()),
        ).cte("rated"))
    if review:
        ctes.append(insert(_Q).from_select(
            ["submission_id", *_REVIEW_COLUMNS],
            select(new_id, *[bindparam(f"q_{k}", type_=_Q.c[k].type) for k in _REVIEW_COLUMNS])
            .select_from(sub)).cte("reviewed"))
    ctes.append(insert(_P).from_select(
        ["id", "wave_id", "invitation_id", "device_hash", "recorded_on"],
        select(*[bindparam(f"p_{k}", type_=_P.c[k].type)
                 for k in ("id", "wave_id", "invitation_id", "device_hash", "recorded_on")])
        .select_from(sub), include_defaults=False).cte("took_part"))
    if delete_draft:
        ctes.append(delete(_D).where(_D.c.invitation_id == bindparam("invitation"),
                                     exists(select(literal(1)).select_from(sub))).cte("dropped"))
    return select(sub.c.id).add_cte(*ctes)
