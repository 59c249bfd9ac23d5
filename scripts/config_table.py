"""Rewrite the scoring-config table of docs/methodology.md from ``analysis.config_docs``.

The table sits between ``<!-- config-table:start -->`` and ``<!-- config-table:end -->``.

Run: ``.venv/bin/python scripts/config_table.py`` (rewrite the file) or
``.venv/bin/python scripts/config_table.py --check`` (exit 1 when the file differs from the
generated table, 0 when it is current).
"""

from __future__ import annotations

import argparse
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.config_docs import config_table_markdown  # noqa: E402

DOC = ROOT / "docs" / "methodology.md"
START = "<!-- config-table:start -->"
END = "<!-- config-table:end -->"


def with_table(text: str, table: str) -> str:
    """``text`` with the block between the markers replaced by ``table``.

    Raises ValueError when the markers are missing or out of order.
    """
    start = text.find(START)
    end = text.find(END, start + len(START)) if start >= 0 else -1
    if start < 0 or end < 0:
        raise ValueError(f"markers {START} … {END} not found (in this order)")
    return text[: start + len(START)] + "\n" + table.rstrip("\n") + "\n" + text[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is not current")
    parser.add_argument("--file", type=pathlib.Path, default=DOC, help="Markdown file (default: %(default)s)")
    args = parser.parse_args(argv)
    text = args.file.read_text(encoding="utf-8")
    try:
        new = with_table(text, config_table_markdown())
    except ValueError as error:
        print(f"{args.file}: {error}", file=sys.stderr)
        return 2
    if args.check:
        if new != text:
            print(f"{args.file}: the config table is out of date; run scripts/config_table.py",
                  file=sys.stderr)
            return 1
        return 0
    if new != text:
        args.file.write_text(new, encoding="utf-8")
        print(f"{args.file}: config table rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
