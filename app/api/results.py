"""Published results for other government systems: ``GET /api/v1/runs[/<run>]`` with a bearer token.

Only published (and superseded, marked so) runs are served; drafts do not exist for the API.
Rows carry the export columns in their order (DESIGN §8, then the evidence behind the verdicts:
rank sets, tier statuses as plain codes, ``n_needed``, ``office_decisions``), floats as JSON
numbers at full precision (``json.loads`` gives back the stored double; NaN is null). Then per
row: ``social_tier_words`` / ``total_tier_words`` (each status said in the request's language),
``decisions`` (the office's decisions on provisional placements, or null) and ``consec_bottom``
(for annual runs, the years' evidence of a unit flagged CONSEC_BOTTOM, else null).

A run that corrects a published one carries ``correction``: ``{supersedes, reason, diff}``, the
diff being one ``{unit_code, field, old, new}`` per change with SI and totals rounded to 2
decimals and social points to 3 (as people read them); other runs carry ``correction: null``.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import Response, request
from sqlalchemy import select

from app.api import bp
from app.database import db_session
from survey.models import EvaluationRun, RunStatus

SERVED = (RunStatus.PUBLISHED, RunStatus.SUPERSEDED)


def _json(data: Any, status: int = 200) -> Response:
    """JSON keeping key order (rows list the columns in DESIGN §8 order)."""
    return Response(json.dumps(data, ensure_ascii=False), status=status, mimetype="application/json")


def _unauthorized() -> Response:
    response = _json({"error": "unauthorized",
                      "message": "Send a valid token: Authorization: Bearer <token>."}, 401)
    response.headers["WWW-Authenticate"] = 'Bearer realm="minyi"'
    return response


def _authenticated() -> bool:
    from survey.evaluation.tokens import authenticate_token

    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return authenticate_token(db_session(), secret.strip()) is not None


def _run_summary(run: EvaluationRun) -> dict[str, Any]:
    return {"run_id": run.id, "period": run.period, "kind": run.kind, "status": run.status.value,
            "published_at": run.published_at.isoformat() if run.published_at else None,
            "supersedes": run.supersedes_id, "reason": run.reason, "input_sha256": run.input_sha256,
            "config_sha256": run.config_sha256, "code_version": run.code_version}


def _status_words(status: str | None) -> str | None:
    from survey.evaluation.decisions import STATUS_WORDS
    from survey.i18n import _

    return _(STATUS_WORDS[status]) if status in STATUS_WORDS else status


def _row(run: EvaluationRun, row: Any) -> dict[str, Any]:
    from survey.evaluation.exports import COLUMNS, INT_COLUMNS, TEXT_COLUMNS, row_values

    values = row_values(run, row)
    out: dict[str, Any] = {}
    for column in COLUMNS:
        value = values[column]
        if value is None or column in TEXT_COLUMNS:
            out[column] = value
        elif column in INT_COLUMNS:
            out[column] = int(value)
        else:
            number = float(value)
            out[column] = number if math.isfinite(number) else None
    out["social_tier_words"] = _status_words(row.social_tier_status)
    out["total_tier_words"] = _status_words(row.total_tier_status)
    out["decisions"] = row.decisions or None
    out["consec_bottom"] = (row.extra or {}).get("consec_bottom") if run.kind == "year" else None
    return out


@bp.get("/runs")
def runs_list() -> Any:
    """Published runs, optionally of one period (``?period=2026-Q3``)."""
    if not _authenticated():
        return _unauthorized()
    stmt = select(EvaluationRun).where(EvaluationRun.status.in_(SERVED)).order_by(EvaluationRun.id)
    period = request.args.get("period")
    if period:
        stmt = stmt.where(EvaluationRun.period == period)
    return _json({"runs": [_run_summary(r) for r in db_session().scalars(stmt)]})


@bp.get("/runs/<dbid:run_id>")
def run_results(run_id: int) -> Any:
    """One published run with its result rows (DESIGN §8 columns, in order)."""
    if not _authenticated():
        return _unauthorized()
    run = db_session().get(EvaluationRun, run_id)
    if run is None or run.status not in SERVED:
        return _json({"error": "not_found", "message": f"No published run {run_id}."}, 404)
    rows = sorted(run.results, key=lambda r: (r.peer_group, r.unit_code))
    return _json({**_run_summary(run), "correction": _correction(run),
                  "rows": [_row(run, r) for r in rows]})


def _correction(run: EvaluationRun) -> dict[str, Any] | None:
    """For a run that supersedes another: which, why, and the per-unit diff rounded for people."""
    from survey.evaluation.runs import rounded_diff

    if run.supersedes_id is None:
        return None
    return {"supersedes": run.supersedes_id, "reason": run.reason,
            "diff": rounded_diff(list((run.summary or {}).get("diff", [])))}
