"""A wave as collecting answers needs it: plain values read with Core, no ORM object.

Every questionnaire page and every submission reads its wave; loading the ORM object cost about
0.2 ms (a tenth of a submission), and the submission service reads these columns in the same
round trip as its other facts (:mod:`survey.submissions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from survey.models import AccessMode, QuestionnaireVersion, VersionStatus, Wave, WaveState

_W = Wave.__table__.c
_V = QuestionnaireVersion.__table__.c
#: The columns of :class:`WaveFacts`, in its field order (select them with :func:`facts_query`).
COLUMNS = (_W.id, _W.name, _W.access, _W.state, _W.opens_at, _W.closes_at, _W.settings,
           _W.questionnaire_version_id, _W.created_at, _V.definition_sha256, _V.status)


@dataclass(frozen=True)
class WaveFacts:
    """The wave's fields that pages and submissions use, with its questionnaire version's hash
    and status. Attribute names are the model's, so the quality rules take either."""

    id: int
    name: str
    access: AccessMode
    state: WaveState
    opens_at: datetime
    closes_at: datetime
    settings: dict[str, Any]
    questionnaire_version_id: int
    created_at: datetime
    version_sha: str
    version_status: VersionStatus

    @classmethod
    def of(cls, wave: Wave, sha: str, status: VersionStatus) -> WaveFacts:
        return cls(wave.id, wave.name, wave.access, wave.state, wave.opens_at, wave.closes_at,
                   wave.settings, wave.questionnaire_version_id, wave.created_at, sha, status)

    @classmethod
    def from_row(cls, row: Any) -> WaveFacts:
        """From a row whose first columns are :data:`COLUMNS`."""
        return cls(*row[:len(COLUMNS)])

    def accepts_at(self, moment: datetime) -> bool:
        return Wave.accepts_at(self, moment)  # type: ignore[arg-type]  # the model's rule


def facts_query(*extra: Any) -> Select[Any]:
    """``SELECT`` :data:`COLUMNS` (then ``extra``) of a wave joined to its version; add the
    ``WHERE``."""
    return (select(*COLUMNS, *extra)
            .select_from(Wave.__table__.join(
                QuestionnaireVersion.__table__,
                _V.id == _W.questionnaire_version_id)))
