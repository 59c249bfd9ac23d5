"""Free-text answers of a wave's accepted submissions, redacted, beside their rating's score.

A text question of a unit section (asked once for each rated unit, e.g. 您对该单位还有什么意见或
建议？) gives comments about that unit, with the score of the same rating; a text question of a
respondent section gives comments about the wave (unit code ``""``). Every text is redacted here,
before it leaves this package (:func:`analysis.comments.redact.redact`). The same pass counts
each cell's respondents — accepted submissions per (unit, stratum), the stratum being the
submission's weighting cell (``age_band=…;district=…;sex=…``) — for the k rule, with their
weighted scores, and each unit's scored items, for the unit portal's breakdowns.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.comments.redact import redact
from survey.comments.cells import CellStats, ItemStats
from survey.comments.scale import RatingScale
from survey.models import Submission, SubmissionStatus, Wave
from survey.submission_store import definition_of

#: The unit code of comments about the wave as a whole.
WAVE = ""


@dataclass(frozen=True)
class CommentRecord:
    """One redacted comment with what it is attached to."""

    submission_id: int
    unit_code: str  #: the unit it was written about, ``""`` for the wave
    question: str  #: the text question's name
    text: str  #: redacted text
    masked: Mapping[str, int]  #: what redaction masked, by kind (phone, id_card, ...)
    score: float | None  #: the score of the same rating (0–100), None for wave comments
    dissatisfied: bool | None  #: True dissatisfied, False satisfied, None neither
    weight: float  #: the submission's survey weight
    stratum: str  #: the submission's weighting cell


@dataclass(frozen=True)
class WaveComments:
    """A wave's comments, its cells and its units' scored items."""

    wave_id: int
    period: str
    comments: tuple[CommentRecord, ...]
    #: (unit code, stratum) → the cell's respondents (unit ``""``: every respondent of the wave)
    cells: Mapping[tuple[str, str], CellStats]
    #: unit code → item name → the item's answers
    items: Mapping[str, Mapping[str, ItemStats]] = field(default_factory=dict)
    #: Where the weights came from: ``"run"`` (the wave's published run) or ``"design"``.
    weight_source: str = "design"
    weight_run_id: int | None = None
    #: text question name → its label by language
    question_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def respondents(self, unit_code: str, stratum: str) -> int:
        cell = self.cells.get((unit_code, stratum))
        return cell.n if cell is not None else 0

    def unit_respondents(self, unit_code: str) -> int:
        return sum(c.n for (code, _stratum), c in self.cells.items() if code == unit_code)

    def of_unit(self, unit_code: str) -> list[CommentRecord]:
        return [c for c in self.comments if c.unit_code == unit_code]


def masked_counts(comments: list[CommentRecord] | tuple[CommentRecord, ...]) -> dict[str, int]:
    """How many of each kind redaction masked in ``comments`` (kinds with none left out)."""
    total: Counter[str] = Counter()
    for comment in comments:
        total.update(comment.masked)
    return {kind: n for kind, n in sorted(total.items()) if n}


def extract_wave_comments(session: Session, wave: Wave, weights: Mapping[int, float] | None = None,
                          *, weight_run_id: int | None = None) -> WaveComments:
    """Every comment of ``wave``'s accepted submissions, redacted, and the cells' sizes.

    ``weights`` (submission id → weight, e.g. the final weights of the wave's published run)
    replace the design weights; a submission missing from them keeps its design weight.
    """
    definition = definition_of(session, wave.questionnaire_version_id)
    scale = RatingScale.of(definition)
    unit_texts = [q.name for q in definition.unit_questions if q.type == "text"]
    wave_texts = [q.name for q in definition.respondent_questions if q.type == "text"]
    labels = {q.name: dict(q.label) for q in definition.questions if q.type == "text"}
    rows = session.execute(
        select(Submission.id, Submission.answers, Submission.strata, Submission.design_weight)
        .where(Submission.wave_id == wave.id, Submission.status == SubmissionStatus.ACCEPTED)
        .order_by(Submission.id).execution_options(yield_per=1000))
    comments: list[CommentRecord] = []
    cells: defaultdict[tuple[str, str], CellStats] = defaultdict(CellStats)
    items: defaultdict[str, defaultdict[str, ItemStats]] = defaultdict(lambda: defaultdict(ItemStats))
    for submission_id, body, strata, design_weight in rows:
        stratum = strata or ""
        weight = float(weights[submission_id]) if weights and submission_id in weights \
            else float(design_weight or 1.0)
        cells[(WAVE, stratum)].add(weight, None)
        answers = (body or {}).get("answers") or {}
        for name in wave_texts:
            record = _record(submission_id, WAVE, name, answers.get(name), None, None, weight, stratum)
            if record is not None:
                comments.append(record)
        for code, values in ((body or {}).get("ratings") or {}).items():
            if not isinstance(values, dict):
                continue
            score = scale.score(values)
            cells[(code, stratum)].add(weight, score)
            _add_items(items[code], scale.item_answers(values), weight)
            for name in unit_texts:
                record = _record(submission_id, code, name, values.get(name), score,
                                 scale.dissatisfied(score), weight, stratum)
                if record is not None:
                    comments.append(record)
    return WaveComments(wave.id, wave.period, tuple(comments), dict(cells),
                        {code: dict(stats) for code, stats in items.items()},
                        "run" if weights is not None else "design", weight_run_id, labels)


def _add_items(stats: defaultdict[str, ItemStats], answered: list[tuple[str, float | None]],
               weight: float) -> None:
    for name, points in answered:
        item = stats[name]
        if points is None:
            item.dont_know += 1
        else:
            item.answered += 1
            item.weight += weight
            item.weighted_points += weight * points


def _record(submission_id: int, unit_code: str, question: str, value: object, score: float | None,
            dissatisfied: bool | None, weight: float, stratum: str) -> CommentRecord | None:
    if not isinstance(value, str) or not value.strip():
        return None
    redacted = redact(value.strip())
    return CommentRecord(submission_id, unit_code, question, redacted.text,
                         {k: n for k, n in redacted.counts.items() if n}, score, dissatisfied,
                         weight, stratum)
