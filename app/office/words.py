"""The office's codes in the reader's language: flags, statuses, kinds, stages, fields, methods.

Runs, waves and flags are stored as codes (``LOW_N``, ``quarter``, ``published``); a page shows
their words (msgids here, translated on use) and keeps the code only in ``<abbr title>`` or a
legend where the office needs to match it with an export. Registered as template globals.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext

from survey.i18n import N_

#: Short names of the flags of a unit's result (their meaning: survey.evaluation.report.FLAG_TEXT).
UNIT_FLAG_NAMES = {
    "LOW_N": N_("Too few ratings"),
    "WIDE_CI": N_("Wide interval"),
    "LOW_NEFF": N_("Small effective sample"),
    "HIGH_DK": N_("Many don't-know answers"),
    "QUOTA_SHORTFALL": N_("Quota not reached"),
    "TOPBOX_ANOMALY": N_("Unusually many top answers"),
    "ADJ_NOT_SIG": N_("Not apart from a neighbour"),
    "BOTTOM_NOT_SIG": N_("较差 not proven"),
    "TOP_NOT_SIG": N_("优秀 not proven"),
    "VETO": N_("Veto"),
    "RANK_UNSTABLE": N_("Rank depends on the method"),
    "BONUS_CAPPED": N_("Bonus capped"),
    "CONSEC_BOTTOM": N_("较差 two years running"),
    "CELL_COLLAPSED": N_("Weighting cell merged"),
    "MARGINS_NORMALISED": N_("Margins rescaled"),
    "PARTIAL_YEAR": N_("Part of the year"),
}
#: Short names of the flags of a response (excluded from the index when the run says so).
RESPONSE_FLAG_NAMES = {
    "DUPLICATE": N_("Repeated respondent"),
    "HONEYPOT": N_("Automated submission"),
    "INSUFFICIENT_ITEMS": N_("Too few questions answered"),
    "STAFF_OF_UNIT": N_("Staff of the rated unit"),
    "SPEEDING": N_("Answered too fast"),
    "STRAIGHTLINE": N_("Same answer throughout"),
    "BURST": N_("Burst from one address"),
    "PADDING_SUSPECT": N_("Interviewer pattern differs"),
    "INTERVIEWER": N_("Interviewer set aside"),
}
#: What the response flag INSUFFICIENT_ITEMS means (the others: survey.monitoring.FLAG_WORDS).
INSUFFICIENT_ITEMS_TEXT = N_("The rating answers less than the minimum weight of the scored "
                             "questions; it is left out of the index.")
RUN_KINDS = {"quarter": N_("quarter"), "year": N_("year"), "rolling": N_("rolling 3 months")}
RUN_STATUSES = {"draft": N_("draft"), "published": N_("published"), "superseded": N_("superseded")}
WAVE_STATES = {"draft": N_("draft"), "open": N_("open"), "closed": N_("closed")}
#: Channels of collection (the public disclosure says them the same way).
CHANNELS = {"web": N_("online questionnaire"), "phone": N_("telephone interview"),
            "paper": N_("paper questionnaire"), "kiosk": N_("self-service kiosk")}
ACCESS_MODES = {"open": N_("Open link"), "invitation": N_("Invitation codes")}
JOB_STAGES = {"queued": N_("Waiting to start"), "reading": N_("Reading the responses"),
              "computing": N_("Computing scores, weights and ranks"),
              "saving": N_("Saving the results"), "done": N_("Done"),
              "failed": N_("The evaluation failed")}
#: The methods of points (DESIGN §7), as the run form names them.
METHODS = {"M1": N_("M1 linear"), "M2": N_("M2 min-max (default)"), "M3": N_("M3 z-score"),
           "M4": N_("M4 rank (Borda)"), "M5": N_("M5 tiers")}
#: The same, short: in a table's header, after the code (M2 功效系数).
METHODS_SHORT = {"M1": N_("linear"), "M2": N_("min-max"), "M3": N_("z-score"), "M4": N_("rank (Borda)"),
                 "M5": N_("tiers")}
#: Fields of a correction's per-unit diff.
DIFF_FIELDS = {"n_valid": N_("Valid ratings"), "si": N_("Satisfaction index"),
               "social_points": N_("Social points"), "social_rank": N_("Rank"),
               "social_tier": N_("Social tier"), "social_tier_status": N_("Basis of the social tier"),
               "total": N_("Total"), "total_rank": N_("Total rank"), "total_tier": N_("Total tier"),
               "total_tier_status": N_("Basis of the total tier"), "flags": N_("Flags")}


#: Labels of the run form's fields, for its error summary (``scoring.<name>`` names the same).
FIELD_LABELS = {
    "scale": N_("Scale"), "min_answered_weight": N_("Minimum answered item weight"),
    "excluding_flags": N_("Exclusion rules"), "raking": N_("Rake to the population margins"),
    "raking_scope": N_("Raking scope"), "trim_low": N_("Trimming bounds (lower, upper)"),
    "trim_high": N_("Trimming bounds (lower, upper)"), "method": N_("Method"),
    "points_basis": N_("Points basis"), "ci_method": N_("Confidence interval of the index"),
    "tier_evidence": N_("Evidence for a final 优秀 or 较差"), "social_max": N_("Social points maximum P"),
    "band_low": N_("Band [L, U]"), "band_high": N_("Band [L, U]"),
    "n_min": N_("Minimum valid ratings per unit (n_min)"),
    "wide_ci_half_width": N_("WIDE_CI half-width limit"), "seed": N_("Random seed of the rank intervals"),
}


#: Audit entries (survey.audit.record actions), as a sentence about the object's number.
AUDIT_ACTIONS = {
    "api_token.create": N_("API token %(id)s created"),
    "api_token.revoke": N_("API token %(id)s revoked"),
    "comment_term.add": N_("Comments term %(id)s added"),
    "comment_term.remove": N_("Comments term %(id)s removed"),
    "components.import": N_("Component scores imported"),
    "interviewer.quarantine": N_("Interviews of an interviewer in wave %(id)s set aside"),
    "interviewer.restore": N_("Interviews of an interviewer in wave %(id)s restored"),
    "interviewer.exclude": N_("Interviews of an interviewer in wave %(id)s excluded"),
    "invitation.issue": N_("Invitation codes issued for wave %(id)s"),
    "invitation.revoke": N_("Invitation code %(id)s revoked"),
    "invitation.revoke_unused": N_("Unused invitation codes of wave %(id)s revoked"),
    "peer_group.create": N_("Peer group %(id)s created"),
    "peer_group.update": N_("Peer group %(id)s changed"),
    "questionnaire.create": N_("Questionnaire version %(id)s created"),
    "questionnaire.edit": N_("Questionnaire version %(id)s edited"),
    "questionnaire.import": N_("Questionnaire version %(id)s imported"),
    "questionnaire.new_version": N_("Questionnaire version %(id)s started from an earlier one"),
    "questionnaire.publish": N_("Questionnaire version %(id)s published"),
    "run.create": N_("Evaluation run %(id)s computed"),
    "run.decide": N_("Placement of evaluation run %(id)s decided"),
    "run.delete": N_("Draft evaluation run %(id)s deleted"),
    "run.publish": N_("Evaluation run %(id)s published"),
    "run.supersede": N_("Evaluation run %(id)s published as a correction"),
    "submission.quarantine": N_("Response %(id)s set aside"),
    "submission.restore": N_("Response %(id)s restored"),
    "submission.exclude": N_("Response %(id)s excluded"),
    "submissions.import": N_("Interviews imported into wave %(id)s"),
    "unit.activate": N_("Unit %(id)s reactivated"),
    "unit.create": N_("Unit %(id)s created"),
    "unit.deactivate": N_("Unit %(id)s deactivated"),
    "unit.import": N_("Units imported"),
    "unit.update": N_("Unit %(id)s changed"),
    "user.create": N_("User %(id)s created"),
    "user.password_change": N_("Password of user %(id)s changed"),
    "user.sessions_end": N_("Every session of user %(id)s ended"),
    "user.units": N_("Units of user %(id)s changed"),
    "wave.close": N_("Wave %(id)s closed"),
    "wave.create": N_("Wave %(id)s created"),
    "wave.margins": N_("Population margins of wave %(id)s changed"),
    "wave.open": N_("Wave %(id)s opened"),
    "wave.quotas": N_("Quotas of wave %(id)s changed"),
    "wave.reseal": N_("Used codes and device lists of wave %(id)s resealed"),
    "wave.update": N_("Wave %(id)s changed"),
}
#: An audit entry of an action the table does not know yet.
OTHER_AUDIT = N_("Other change (number %(id)s)")

#: analysis.config's messages (English, no Flask there) about fields of the run form, reworded.
CONFIG_MESSAGES = {
    "must lie in (0, 1]": N_("Enter a number above 0 and at most 1."),
    "need 0 < trim_low <= 1 <= trim_high": N_("The lower bound must lie above 0 and at most 1, "
                                              "the upper bound at least 1."),
    "must be >= 0": N_("Enter a number of at least 0."),
    "need 0 <= band_low < band_high <= social_max": N_("The band needs 0 ≤ lower end < upper end ≤ "
                                                      "the social points maximum."),
    "must be at least 1": N_("Enter a whole number of at least 1."),
}


def _word(table: dict[str, str], code: object) -> str:
    text = str(getattr(code, "value", code) or "")
    return gettext(table[text]) if text in table else text


def flag_name(flag: str) -> str:
    """A unit or response flag's short name (``STAFF_OF_UNIT:D01`` keeps its unit code)."""
    name, _sep, detail = flag.partition(":")
    words = _word(UNIT_FLAG_NAMES if name in UNIT_FLAG_NAMES else RESPONSE_FLAG_NAMES, name)
    return f"{words} {detail}".strip()


def flag_meaning(flag: str) -> str:
    """What a unit or response flag means, in a sentence."""
    from survey.evaluation.report import FLAG_TEXT
    from survey.monitoring import FLAG_WORDS

    name = flag.partition(":")[0]
    if name in FLAG_TEXT:
        return gettext(FLAG_TEXT[name])
    if name in FLAG_WORDS:
        return gettext(FLAG_WORDS[name])
    return gettext(INSUFFICIENT_ITEMS_TEXT) if name == "INSUFFICIENT_ITEMS" else flag_name(flag)


def field_label(field: str) -> str:
    """The run form's label of an error's field (``weight_q1``, ``scoring.band_low``); empty for
    errors of the whole configuration."""
    name = field.removeprefix("scoring.")
    if name.startswith("weight_"):
        return gettext("Weight of item %(name)s", name=name.removeprefix("weight_"))
    return gettext(FIELD_LABELS[name]) if name in FIELD_LABELS else ""


def audit_words(action: str, object_id: object = None) -> str:
    """An audit entry in words: ``wave.create`` of wave 2 → 调查批次 2 已创建."""
    number = "" if object_id is None else str(object_id)
    return gettext(AUDIT_ACTIONS.get(action, OTHER_AUDIT), id=number).replace("  ", " ").strip()


def config_message(message: str) -> str:
    """A run form error in the reader's language (analysis.config speaks English)."""
    return gettext(CONFIG_MESSAGES[message]) if message in CONFIG_MESSAGES else message


def job_stage(stage: str) -> str:
    """A job's stage in words (queued, reading, computing, saving, done, failed)."""
    return _word(JOB_STAGES, stage)


def method_short(method: str) -> str:
    """``M2 功效系数``: a method's code and short name."""
    return f"{method} {gettext(METHODS_SHORT[method])}" if method in METHODS_SHORT else method


def init_words(app: Flask) -> None:
    """Template globals: ``flag_name``, ``flag_meaning``, ``method_short``, ``job_stage``,
    ``field_label``, ``config_message``, ``audit_words``, ``run_kind``, ``run_status``,
    ``wave_state``, ``access_mode``, ``channel_name``,
    ``method_name``, ``diff_field``."""
    app.add_template_global(flag_name)
    app.add_template_global(flag_meaning)
    app.add_template_global(method_short)
    app.add_template_global(job_stage)
    app.add_template_global(field_label)
    app.add_template_global(config_message)
    app.add_template_global(audit_words)
    for name, table in (("run_kind", RUN_KINDS), ("run_status", RUN_STATUSES),
                        ("wave_state", WAVE_STATES), ("access_mode", ACCESS_MODES),
                        ("channel_name", CHANNELS),
                        ("method_name", METHODS),
                        ("diff_field", DIFF_FIELDS)):
        app.add_template_global(lambda code, table=table: _word(table, code), name)
