"""Database triggers that freeze published evaluation runs (DESIGN §9).

The service refuses to change a published run, and so does the database: an UPDATE or DELETE of
a published (or superseded) run or of its result rows is aborted by a trigger on SQLite and on
PostgreSQL. The only change allowed is the status ``published → superseded`` when a correcting
run replaces it. The same statements are used by ``create_all`` and by the Alembic migration.
"""

from __future__ import annotations

from sqlalchemy import DDL, event

from survey.models.evaluations import EvaluationResult

FROZEN = "('published', 'superseded')"
MESSAGE = "published evaluation run is immutable"
#: Columns of evaluation_run that must never change once it is published.
RUN_COLUMNS = (
    "wave_id", "year", "period", "kind", "config", "config_sha256", "input_sha256",
    "code_version", "summary", "created_by", "created_at", "published_by", "published_at",
    "supersedes_id", "reason",
)

_changed_sqlite = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in RUN_COLUMNS)

SQLITE_STATEMENTS = [
    f"""CREATE TRIGGER trg_evaluation_run_frozen_update BEFORE UPDATE ON evaluation_run
FOR EACH ROW WHEN OLD.status IN {FROZEN}
 AND (OLD.status = 'superseded' OR NEW.status != 'superseded' OR NEW.id != OLD.id
      OR {_changed_sqlite})
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER trg_evaluation_run_frozen_delete BEFORE DELETE ON evaluation_run
FOR EACH ROW WHEN OLD.status IN {FROZEN}
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER trg_evaluation_result_frozen_update BEFORE UPDATE ON evaluation_result
FOR EACH ROW WHEN (SELECT status FROM evaluation_run WHERE id = OLD.run_id) IN {FROZEN}
 OR (SELECT status FROM evaluation_run WHERE id = NEW.run_id) IN {FROZEN}
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER trg_evaluation_result_frozen_delete BEFORE DELETE ON evaluation_result
FOR EACH ROW WHEN (SELECT status FROM evaluation_run WHERE id = OLD.run_id) IN {FROZEN}
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER trg_evaluation_result_frozen_insert BEFORE INSERT ON evaluation_result
FOR EACH ROW WHEN (SELECT status FROM evaluation_run WHERE id = NEW.run_id) IN {FROZEN}
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]

_changed_pg = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in RUN_COLUMNS).replace(
    "NEW.config IS DISTINCT FROM OLD.config", "NEW.config::text IS DISTINCT FROM OLD.config::text"
).replace(
    "NEW.summary IS DISTINCT FROM OLD.summary",
    "NEW.summary::text IS DISTINCT FROM OLD.summary::text",
)

POSTGRES_STATEMENTS = [
    f"""CREATE FUNCTION minyi_evaluation_run_frozen() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status IN {FROZEN} THEN RAISE EXCEPTION '{MESSAGE}'; END IF;
    RETURN OLD;
  END IF;
  IF OLD.status IN {FROZEN} AND (OLD.status = 'superseded' OR NEW.status != 'superseded'
     OR NEW.id != OLD.id OR {_changed_pg}) THEN
    RAISE EXCEPTION '{MESSAGE}';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER trg_evaluation_run_frozen BEFORE UPDATE OR DELETE ON evaluation_run
FOR EACH ROW EXECUTE FUNCTION minyi_evaluation_run_frozen()""",
    f"""CREATE FUNCTION minyi_evaluation_result_frozen() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND
     (SELECT status FROM evaluation_run WHERE id = OLD.run_id) IN {FROZEN} THEN
    RAISE EXCEPTION '{MESSAGE}';
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND
     (SELECT status FROM evaluation_run WHERE id = NEW.run_id) IN {FROZEN} THEN
    RAISE EXCEPTION '{MESSAGE}';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER trg_evaluation_result_frozen BEFORE INSERT OR UPDATE OR DELETE
ON evaluation_result FOR EACH ROW EXECUTE FUNCTION minyi_evaluation_result_frozen()""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS trg_evaluation_run_frozen_update",
    "DROP TRIGGER IF EXISTS trg_evaluation_run_frozen_delete",
    "DROP TRIGGER IF EXISTS trg_evaluation_result_frozen_update",
    "DROP TRIGGER IF EXISTS trg_evaluation_result_frozen_delete",
    "DROP TRIGGER IF EXISTS trg_evaluation_result_frozen_insert",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS trg_evaluation_result_frozen ON evaluation_result",
    "DROP FUNCTION IF EXISTS minyi_evaluation_result_frozen()",
    "DROP TRIGGER IF EXISTS trg_evaluation_run_frozen ON evaluation_run",
    "DROP FUNCTION IF EXISTS minyi_evaluation_run_frozen()",
]


def statements_for(dialect: str) -> list[str]:
    """The CREATE statements for a dialect name (``sqlite`` or ``postgresql``)."""
    return {"sqlite": SQLITE_STATEMENTS, "postgresql": POSTGRES_STATEMENTS}.get(dialect, [])


def drop_statements_for(dialect: str) -> list[str]:
    return {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect, [])


# evaluation_result is created after evaluation_run, so both tables exist here.
for _dialect, _statements in (("sqlite", SQLITE_STATEMENTS), ("postgresql", POSTGRES_STATEMENTS)):
    for _sql in _statements:
        event.listen(
            EvaluationResult.__table__, "after_create", DDL(_sql).execute_if(dialect=_dialect)
        )
