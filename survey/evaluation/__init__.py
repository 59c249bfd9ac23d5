"""Evaluation runs of the assessment office (DESIGN §7–§9).

``inputs`` aggregates a wave in SQL into the arrays ``analysis`` needs; ``runs`` creates,
publishes and supersedes runs; ``verify`` recomputes a run; ``exports`` writes CSV / XLSX /
JSON; ``components`` imports base / differential / bonus scores; ``report`` gathers the data of
the quarterly report. No arithmetic on scores happens here: all of it is in ``analysis``.
"""
