"""The office decides what the data cannot: provisional placements confirmed or cleared (DESIGN §7e).

A 优秀 or 较差 placement that the evidence does not support is *provisional* (优秀(待复核) /
较差(待复核)). Before a run is published the office confirms it (the tier stays 优秀 / 较差,
status ``confirmed``) or clears it (the tier becomes 良好 / 一般, status ``cleared``), each time
with a reason. The decision is written on the result row (``decisions``, frozen with the run),
audited, and always shown as an office decision, never as a statistical one. A run with an
undecided provisional placement cannot be published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from analysis.placement import REVIEW_SUFFIX
from analysis.ranking import EXCELLENT, FAIR, GOOD, POOR
from survey import audit
from survey.db import utcnow
from survey.errors import InvalidTransition, NotFound, ValidationFailed
from survey.i18n import N_, _
from survey.models import EvaluationResult, EvaluationRun, RunStatus

SCOPES = ("social", "total")
DECISIONS = ("confirm", "clear")
#: The tier a cleared placement falls back to.
CLEARED_TIER = {POOR: FAIR, EXCELLENT: GOOD}
#: How each status is said to people (translated where shown).
STATUS_WORDS = {
    "final": N_("final"),
    "provisional": N_("provisional: for the office to decide"),
    "indicative": N_("indicative only: sample too small"),
    "confirmed": N_("confirmed by the office"),
    "cleared": N_("cleared by the office"),
}
SCOPE_WORDS = {"social": N_("social evaluation"), "total": N_("comprehensive score")}


@dataclass(frozen=True)
class Pending:
    """A provisional placement waiting for the office."""

    unit_code: str
    unit_name: str
    scope: str
    tier: str


def _status_field(scope: str) -> str:
    return f"{scope}_tier_status"


def _tier_field(scope: str) -> str:
    return f"{scope}_tier"


def pending_placements(run: EvaluationRun) -> list[Pending]:
    """Every provisional placement of the run that the office has not decided yet."""
    out = []
    for row in sorted(run.results, key=lambda r: (r.peer_group, r.unit_code)):
        for scope in SCOPES:
            if getattr(row, _status_field(scope)) == "provisional":
                out.append(Pending(row.unit_code, row.unit_name, scope, getattr(row, _tier_field(scope))))
    return out


def require_decided(run: EvaluationRun) -> None:
    """Refuse publication while a provisional placement is undecided (the message lists them)."""
    pending = pending_placements(run)
    if pending:
        names = "、".join(f"{p.unit_name}（{_(SCOPE_WORDS[p.scope])}：{p.tier}）" for p in pending[:10])
        more = len(pending) - 10
        raise InvalidTransition(
            _("Run %(id)s has %(count)s provisional placements the office has not decided: %(names)s. "
              "Confirm or clear each one with a reason before publishing.",
              id=run.id, count=len(pending), names=names + (f" …(+{more})" if more > 0 else "")))


def _statistical_tier(row: EvaluationResult, scope: str) -> str:
    """The placement as computed, before any decision (kept in the first decision's record)."""
    earlier = (row.decisions or {}).get(scope)
    return earlier["from"] if earlier else getattr(row, _tier_field(scope))


def decide_placement(session: Session, run_id: int, unit_code: str, scope: str, decision: str,
                     reason: str, actor: str) -> EvaluationResult:
    """Confirm or clear one provisional placement of a draft run, with a reason (audited).

    A decision can be changed until the run is published; the placement as computed is kept.
    """
    run = session.get(EvaluationRun, run_id)
    if run is None:
        raise NotFound(_("Evaluation run %(id)s does not exist.", id=run_id))
    if run.status != RunStatus.DRAFT:
        raise InvalidTransition(_("Run %(id)s is published: its placements are frozen.", id=run_id))
    errors: list[tuple[str, str]] = []
    if scope not in SCOPES:
        errors.append(("scope", _("Choose the social evaluation or the comprehensive score.")))
    if decision not in DECISIONS:
        errors.append(("decision", _("Choose to confirm or to clear the placement.")))
    reason = (reason or "").strip()
    if not reason:
        errors.append(("reason", _("Give the reason for the decision.")))
    elif len(reason) > 1000:
        errors.append(("reason", _("The reason may be at most 1,000 characters.")))
    if errors:
        raise ValidationFailed(errors)
    row = next((r for r in run.results if r.unit_code == unit_code), None)
    if row is None:
        raise NotFound(_("Unit %(code)s is not in run %(id)s.", code=unit_code, id=run_id))
    status = getattr(row, _status_field(scope))
    if status not in ("provisional", "confirmed", "cleared"):
        raise ValidationFailed([("scope", _("This placement is not provisional: there is nothing to decide."))])
    computed = _statistical_tier(row, scope)
    zone = computed.removesuffix(REVIEW_SUFFIX)
    new_tier = zone if decision == "confirm" else CLEARED_TIER[zone]
    old_tier = getattr(row, _tier_field(scope))
    record: dict[str, Any] = {"decision": decision, "from": computed, "to": new_tier, "reason": reason,
                              "by": actor, "at": utcnow().isoformat()}
    row.decisions = {**(row.decisions or {}), scope: record}
    setattr(row, _tier_field(scope), new_tier)
    setattr(row, _status_field(scope), "confirmed" if decision == "confirm" else "cleared")
    session.flush()
    audit.record(session, actor, "run.decide", "evaluation_run", run.id,
                 old={"unit": unit_code, "scope": scope, "tier": old_tier, "status": status},
                 new={"unit": unit_code, "scope": scope, "tier": new_tier, "decision": decision,
                      "reason": reason})
    if run.kind == "year" and scope == "total":
        from survey.evaluation.periods import refresh_consec_bottom

        refresh_consec_bottom(session, run)
    return row


def decision_text(row: EvaluationResult) -> str:
    """The office's decisions on a row in one line, e.g. for exports (empty when none)."""
    parts = []
    for scope in SCOPES:
        d = (row.decisions or {}).get(scope)
        if d:
            parts.append(f"{scope}: {d['decision']} {d['from']} → {d['to']} ({d['by']}): {d['reason']}")
    return " | ".join(parts)


def consec_bottom_text(row: EvaluationResult) -> str:
    """Each year's evidence of a CONSEC_BOTTOM unit in one line, e.g. for exports (empty when none).

    ``2025: 较差 confirmed, rank 3 (set 2–3), office: … | 2026: 较差 final, rank 3 (set 3–3)``
    """
    years = ((row.extra or {}).get("consec_bottom") or {}).get("years") or []
    parts = []
    for y in years:
        low, high = (y.get("rankset") or [None, None])[:2]
        text = f"{y['period']}: {y['total_tier']} {y['status']}, rank {y.get('total_rank')}"
        if low is not None:
            text += f" (set {low}–{high})"
        if y.get("office_reason"):
            text += f", office: {y['office_reason']}"
        parts.append(text)
    return " | ".join(parts)


def replay_decisions(fresh: list[EvaluationResult], stored: list[EvaluationResult]) -> None:
    """Apply the office's recorded decisions to freshly computed rows (for ``verify-run``).

    A decision is replayed only where the recomputed placement is the one the office decided on;
    otherwise the fresh row keeps its computed tier, and the comparison shows the difference.
    """
    by_code = {r.unit_code: r for r in stored}
    for row in fresh:
        decided = by_code.get(row.unit_code)
        for scope, record in ((decided.decisions or {}) if decided else {}).items():
            if getattr(row, _tier_field(scope)) == record["from"]:
                row.decisions = {**(row.decisions or {}), scope: record}
                setattr(row, _tier_field(scope), record["to"])
                setattr(row, _status_field(scope), "confirmed" if record["decision"] == "confirm" else "cleared")
