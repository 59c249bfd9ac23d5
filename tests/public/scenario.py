"""A city with published, corrected and draft runs, as the public pages must show (or hide) them.

Built on the golden example (tests/office/fixtures.py, DESIGN §7): units A 甲单位, B 乙单位 and
C 丙单位 in peer group G, the same 15 interviews in every wave.

- 2026-Q4: run ``q4_old`` published, then superseded by ``q4`` (item weights 0.6 / 0.2 / 0.2
  instead of 0.5 / 0.25 / 0.25) with :data:`REASON`;
- 2026-Q3: run ``q3`` published (the golden settings);
- 2027-Q1: run ``draft``, never published.

Hand-worked SI (weights w of tests/golden.py; an item left unanswered drops out of the
weighted mean of a respondent; B5 answered only q3 and C5 repeats C2's person, so both are
left out):

============  ==============================================  ================================
unit          golden weights (2026-Q3, superseded 2026-Q4)    corrected weights (2026-Q4)
============  ==============================================  ================================
A 甲单位      (95·1.2 + 80·.8 + 100 + 65·1.5 + 86.67·.5)/5     (96·1.2 + 80·.8 + 100 + 64·1.5 +
              = 83.767                                        85·.5)/5 = 83.54
B 乙单位      (70 + 55·1.3 + 90·.7 + 50)/4 = 63.625            (72 + 56·1.3 + 92·.7 + 48)/4 = 64.3
C 丙单位      (85·1.1 + 100·.9 + 75 + 90)/4 = 87.125           (84·1.1 + 100·.9 + 76 + 92)/4 = 87.6
============  ==============================================  ================================

Satisfied (q1 answered 5 or 4, weighted): A (1.2 + .8 + 1 + .5)/5 = 70%, B (1 + .7)/4 = 42.5%,
C 4/4 = 100% (the same under both item weightings).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tests.office.fixtures import (
    GOLDEN_SETTINGS,
    another_wave,
    decide_all,
    golden_draft,
    publish_decided,
)

REASON = "问卷题目权重录入有误，按正确权重重新计算"
CORRECTED_WEIGHTS = {"q1": 0.6, "q2": 0.2, "q3": 0.2}
#: Hand-worked SI per run (see the module docstring).
SI_GOLDEN = {"A": 83.7667, "B": 63.625, "C": 87.125}
SI_CORRECTED = {"A": 83.54, "B": 64.3, "C": 87.6}
SATISFIED = {"A": 0.7, "B": 0.425, "C": 1.0}


@dataclass(frozen=True)
class City:
    q4_old: int
    q4: int
    q3: int
    draft: int


def publish_city(db: Session) -> City:
    from survey.evaluation.runs import evaluate_wave_run, supersede_run
    from survey.evaluation.settings import RunSettings
    from survey.models import Wave

    old = golden_draft(db)
    publish_decided(db, old.id)
    db.commit()
    wave = db.get(Wave, old.wave_id)
    corrected = evaluate_wave_run(
        db, wave.id, RunSettings.from_dict({**GOLDEN_SETTINGS, "item_weights": CORRECTED_WEIGHTS}), "office1")
    decide_all(db, corrected)
    supersede_run(db, old.id, corrected.id, REASON, "office1")
    db.commit()
    q3_wave = another_wave(db, wave, "2026-Q3")
    q3 = evaluate_wave_run(db, q3_wave.id, RunSettings.from_dict(GOLDEN_SETTINGS), "office1")
    db.commit()
    publish_decided(db, q3.id)
    db.commit()
    next_wave = another_wave(db, wave, "2027-Q1")
    draft = evaluate_wave_run(db, next_wave.id, RunSettings.from_dict(GOLDEN_SETTINGS), "office1")
    db.commit()
    return City(q4_old=old.id, q4=corrected.id, q3=q3.id, draft=draft.id)
