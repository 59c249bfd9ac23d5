"""Minyi's typed SQLAlchemy 2.0 models (DESIGN §4). Importing this package registers them all."""

from survey.models import frozen_runs  # noqa: F401  (registers the freezing triggers)
from survey.models.audit import AuditLog
from survey.models.components import ComponentScore
from survey.models.evaluations import EvaluationResult, EvaluationRun, RunStatus
from survey.models.jobs import Job, JobStatus
from survey.models.questionnaires import Questionnaire, QuestionnaireVersion, VersionStatus
from survey.models.submissions import (
    Channel,
    Participation,
    QualityReview,
    Rating,
    ReviewAction,
    Submission,
    SubmissionStatus,
)
from survey.models.units import PeerGroup, Unit, UnitKind
from survey.models.users import ApiToken, Role, User
from survey.models.waves import (
    AccessMode,
    Draft,
    Invitation,
    PopulationMargin,
    Quota,
    SurveySession,
    Wave,
    WaveState,
    wave_units,
)

__all__ = [
    "AccessMode",
    "ApiToken",
    "AuditLog",
    "Channel",
    "ComponentScore",
    "Draft",
    "EvaluationResult",
    "EvaluationRun",
    "Invitation",
    "Job",
    "JobStatus",
    "Participation",
    "PeerGroup",
    "PopulationMargin",
    "QualityReview",
    "Questionnaire",
    "QuestionnaireVersion",
    "Quota",
    "Rating",
    "ReviewAction",
    "Role",
    "RunStatus",
    "Submission",
    "SurveySession",
    "SubmissionStatus",
    "Unit",
    "UnitKind",
    "User",
    "VersionStatus",
    "Wave",
    "WaveState",
    "wave_units",
]
