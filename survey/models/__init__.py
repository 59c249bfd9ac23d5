"""Minyi's typed SQLAlchemy 2.0 models (DESIGN §4). Importing this package registers them all."""

from survey.models import frozen_runs  # noqa: F401  (registers the freezing triggers)
from survey.models.audit import AuditLog
from survey.models.comments import CommentTerm, TermKind
from survey.models.components import ComponentScore
from survey.models.evaluations import EvaluationResult, EvaluationRun, RunStatus
from survey.models.jobs import Job, JobStatus
from survey.models.questionnaires import Questionnaire, QuestionnaireVersion, VersionStatus
from survey.models.submissions import (
    Channel,
    DeviceBucket,
    QualityReview,
    Rating,
    ReviewAction,
    Submission,
    SubmissionStatus,
)
from survey.models.units import PeerGroup, Unit, UnitKind
from survey.models.users import ApiToken, Role, User, user_units
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
    "CommentTerm",
    "ComponentScore",
    "Draft",
    "EvaluationResult",
    "EvaluationRun",
    "Invitation",
    "Job",
    "JobStatus",
    "DeviceBucket",
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
    "TermKind",
    "Unit",
    "UnitKind",
    "User",
    "VersionStatus",
    "Wave",
    "WaveState",
    "user_units",
    "wave_units",
]
