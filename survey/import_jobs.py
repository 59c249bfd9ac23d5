"""Large imports (interviews, units, component scores) as background jobs (issue 17).

An upload of up to 100,000 rows (:data:`survey.upload_files.MAX_ROWS`) can take longer than a
gunicorn worker may spend on a request (30 s by default): reading a 100,000-row workbook alone
takes about 20 s. The request therefore only does what is quick:

- a CSV file is read at once (100,000 rows in about a second), so a file that cannot be read
  is refused with its row numbers on the upload page, as before;
- a workbook up to :data:`IMMEDIATE_XLSX_BYTES` is read at once too; a larger one is only
  checked from its zip directory (size, zip bomb: milliseconds) and read by the job;
- a table of at most :data:`IMMEDIATE_ROWS` data rows is imported within the request (the
  immediate path: the upload page answers with the result, as for any small form);
- anything larger is imported by a job: :func:`run_import` in a thread with its own session,
  its stage and progress in the ``job`` table (any worker answers its page).

Either way the import is all or nothing: every row is checked before the first write, the data
go in one transaction that commits together with the job's ``done``, and a file with any bad
row stores nothing: the job fails with every row-numbered error (:func:`failure_of`). The CLI
commands run the same services in the foreground.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey.errors import DomainError, ValidationFailed
from survey.i18n import N_, _
from survey.jobs import Progress
from survey.upload_files import Table, check_upload_size, read_table

#: What can be imported, and the ``job.kind`` of each.
KINDS = ("interviews", "units", "components")
JOB_KINDS = {kind: f"import-{kind}" for kind in KINDS}
#: Data rows imported within the request; a larger table goes to a background job.
IMMEDIATE_ROWS = 2_000
#: A workbook up to this size is read within the request (a few thousand rows, under 2 s).
IMMEDIATE_XLSX_BYTES = 64 * 1024
#: The share of the progress bar each stage fills: reading, checking, saving.
STAGES = {"queued": (0.0, 0.0), "reading": (0.0, 0.3), "checking": (0.3, 0.8),
          "saving": (0.8, 1.0)}
#: Rows read between two progress reports.
READ_PROGRESS_EVERY = 2_000
#: The most row errors a failed job keeps (the message gives the total).
MAX_LISTED_ERRORS = 1_000
#: What the job's page says of each stage (translated when shown).
STAGE_WORDS = {"queued": N_("Waiting to start"), "reading": N_("Reading the file"),
               "checking": N_("Checking every row"), "saving": N_("Saving"), "done": N_("Done"),
               "failed": N_("Not imported")}
INTERVIEWS_DONE = N_("%(imported)s interviews imported (%(rows)s rows); %(skipped)s interviews were "
                     "already in this wave and were skipped.")
UNITS_DONE = N_("%(count)s units imported.")
COMPONENTS_DONE = N_("%(n)s component rows imported.")
ROWS_REFUSED = N_("Nothing was imported. Problems found in the file: %(count)s, each listed below "
                  "with its row.")
ROWS_ADVICE = N_("Correct these rows in the file and upload it again.")
RACED = N_("Another import of some of the same rows finished at the same time, so nothing from "
           "this upload was stored.")
RACED_ADVICE = N_("Upload the file again: interviews already present are skipped, units and "
                  "scores already present are updated.")
UNEXPECTED = N_("The import failed unexpectedly; nothing was stored and the error was logged.")
UNEXPECTED_ADVICE = N_("Upload the file again; if it fails again, tell the administrator.")


@dataclass(frozen=True)
class ImportFile:
    """One upload to import: what it is for, the file, and (interviews) the wave."""

    kind: str
    filename: str
    data: bytes
    wave_id: int | None = None


def table_now(upload: ImportFile) -> Table | None:
    """The upload's table when it is quick to read within the request (any CSV, a small
    workbook), else None: a large workbook, checked only for its size and zip directory here.
    ``ValidationFailed`` for a file that cannot be read (with its row where there is one)."""
    check_upload_size(upload.filename, upload.data)
    if upload.filename.lower().endswith(".xlsx") and len(upload.data) > IMMEDIATE_XLSX_BYTES:
        return None
    return read_table(upload.filename, upload.data)


def in_background(table: Table | None) -> bool:
    """Whether an upload is imported by a background job (a workbook not yet read, or more
    than :data:`IMMEDIATE_ROWS` rows) rather than within the request."""
    return table is None or len(table.rows) > IMMEDIATE_ROWS


def overall(progress: Progress) -> Progress:
    """``progress`` of the whole job, from reports of one stage's own fraction."""
    def report(stage: str, fraction: float) -> None:
        low, high = STAGES.get(stage, (0.0, 1.0))
        progress(stage, low + (high - low) * min(1.0, max(0.0, fraction)))
    return report


def read_upload(upload: ImportFile, progress: Progress) -> Table:
    """Read the upload's table, reporting ``reading`` (its rows against the file's estimated
    number of lines) every :data:`READ_PROGRESS_EVERY` rows."""
    estimate = max(1, _estimated_rows(upload))
    progress("reading", 0.0)

    def on_row(number: int) -> None:
        if number % READ_PROGRESS_EVERY == 0:
            progress("reading", min(0.99, number / estimate))

    table = read_table(upload.filename, upload.data, on_row=on_row)
    progress("reading", 1.0)
    return table


def _estimated_rows(upload: ImportFile) -> int:
    """About how many rows the file has: its line breaks (CSV), or one row per 150 bytes of a
    workbook (100,000 rows of 18 short columns make a 3.6 MB .xlsx)."""
    if upload.filename.lower().endswith(".xlsx"):
        return len(upload.data) // 36
    return upload.data.count(b"\n")


def run_import(session: Session, upload: ImportFile, table: Table | None, *, actor: str,
               secret: str, progress: Progress) -> dict[str, Any]:
    """Import ``upload`` in the caller's transaction (the caller commits, or rolls back on any
    error) and return what was stored, for :func:`survey.jobs.finish_job` (``{"message":
    msgid, "params": {...}}``). ``table``: the upload already read, or None to read it here."""
    from survey.evaluation.components import import_component_table
    from survey.interviews import import_interview_table
    from survey.units import import_unit_table

    staged = overall(progress)
    if table is None:
        table = read_upload(upload, staged)
    if upload.kind == "interviews":
        if upload.wave_id is None:
            raise ValueError("an interview import needs its wave")
        report = import_interview_table(session, upload.wave_id, upload.filename, table,
                                        secret=secret, actor=actor, progress=staged)
        return {"message": INTERVIEWS_DONE, "params": {
            "imported": report.imported, "rows": report.rows, "skipped": report.skipped}}
    if upload.kind == "units":
        ids = import_unit_table(session, upload.filename, table, actor, progress=staged)
        return {"message": UNITS_DONE, "params": {"count": len(ids)}}
    if upload.kind == "components":
        rows = import_component_table(session, table, actor, progress=staged)
        return {"message": COMPONENTS_DONE, "params": {"n": len(rows)}}
    raise ValueError(f"unknown import {upload.kind!r}")


def failure_of(error: Exception) -> dict[str, Any]:
    """How an import failed, for :func:`survey.jobs.fail_job`: every row error (up to
    :data:`MAX_LISTED_ERRORS`) with the count and what to do; a concurrent import of the same
    interviews; anything else is for the log, not the page."""
    if isinstance(error, ValidationFailed):
        details = list(error.errors[:MAX_LISTED_ERRORS])
        if len(error.errors) > MAX_LISTED_ERRORS:
            details.append(("…", _("and %(count)s more problems.",
                                   count=len(error.errors) - MAX_LISTED_ERRORS)))
        return {"message": ROWS_REFUSED, "params": {"count": len(error.errors)},
                "details": details, "advice": ROWS_ADVICE}
    if isinstance(error, DomainError):
        return {"message": ROWS_REFUSED, "params": {"count": 1},
                "details": [("file", error.message)], "advice": ROWS_ADVICE}
    if isinstance(error, IntegrityError):
        return {"message": RACED, "advice": RACED_ADVICE}
    return {"message": UNEXPECTED, "advice": UNEXPECTED_ADVICE}
