"""Survey weights of a wave's comments: the final weights of its published run, when it has one.

The final weights are recomputed from the run's stored settings as the evaluation computed them
(:func:`survey.responses_export.run_weights`). A submission the run did not weight (excluded by a
flag) gets the mean of the run's weights, so that its comment still counts once on the same
scale. A wave without a published run, or whose responses changed since the run, uses the design
weights.
"""

from __future__ import annotations

import math

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.errors import DomainError
from survey.models import EvaluationRun, RunStatus, Wave


def published_run_of(session: Session, wave: Wave) -> EvaluationRun | None:
    """The wave's published (not superseded) run, if any."""
    return session.scalar(select(EvaluationRun).where(
        EvaluationRun.wave_id == wave.id, EvaluationRun.status == RunStatus.PUBLISHED)
        .order_by(EvaluationRun.id.desc()).limit(1))


def run_comment_weights(session: Session, wave: Wave, run: EvaluationRun) -> dict[int, float] | None:
    """Submission id → final weight in ``run`` (unweighted ones: the mean), or None when the
    weights cannot be reproduced (the wave's responses changed since the run)."""
    from survey.responses_export import run_weights

    try:
        weights = run_weights(session, wave.id, run.id)
    except DomainError:
        return None
    finite = [w for w in weights.values() if math.isfinite(w) and w > 0]
    if not finite:
        return None
    mean = sum(finite) / len(finite)
    return {sid: (w if math.isfinite(w) and w > 0 else mean) for sid, w in weights.items()}
