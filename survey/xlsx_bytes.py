"""XLSX files whose bytes depend only on their content and a given moment (re-exports are identical).

``Workbook.save()`` stamps the document's "modified" property and every zip entry with the clock,
so two saves a second apart differ. :func:`workbook_bytes` writes through openpyxl's ExcelWriter
with fixed document times, then rewrites the archive with fixed entry times and attributes.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet


def first_sheet(workbook: Workbook) -> Worksheet:
    """The worksheet a new ``Workbook()`` starts with (openpyxl types ``active`` as optional)."""
    from openpyxl.worksheet.worksheet import Worksheet

    sheet = workbook.active
    if not isinstance(sheet, Worksheet):
        raise TypeError("the workbook's active sheet is not a worksheet")
    return sheet


def workbook_bytes(workbook: Workbook, moment: datetime) -> bytes:
    """The workbook as XLSX bytes, stamped with ``moment`` (naive UTC) everywhere."""
    from openpyxl.writer.excel import ExcelWriter

    workbook.properties.created = moment
    workbook.properties.modified = moment
    workbook.properties.creator = "Minyi"
    workbook.properties.lastModifiedBy = "Minyi"
    raw = io.BytesIO()
    ExcelWriter(workbook, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return fixed_zip(raw.getvalue(), moment)


def fixed_zip(data: bytes, moment: datetime) -> bytes:
    """Rewrite an archive with fixed entry timestamps and order, so equal content is equal bytes."""
    stamp = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute,
             moment.second - moment.second % 2)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()
