"""Fill msgstr entries of a .po catalog from a ``msgid<TAB>msgstr`` file (a maintainer tool).

    python scripts/fill_translations.py translations/core/zh_CN/LC_MESSAGES/messages.po zh.tsv

Existing translations are kept unless the file gives a new one; msgids not in the catalog are
reported, so typos do not go unnoticed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def main(po_path: str, tsv_path: str) -> int:
    with open(po_path, "rb") as f:
        catalog = read_po(f)
    unknown = 0
    for line in Path(tsv_path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        msgid, msgstr = line.split("\t", 1)
        message = catalog.get(msgid)
        if message is None:
            print(f"not in catalog: {msgid}", file=sys.stderr)
            unknown += 1
            continue
        message.string = msgstr
        message.flags.discard("fuzzy")
    with open(po_path, "wb") as f:
        write_po(f, catalog, width=100)
    missing = [m.id for m in catalog if m.id and not m.string]
    for msgid in missing:
        print(f"untranslated: {msgid}", file=sys.stderr)
    return 1 if unknown else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
