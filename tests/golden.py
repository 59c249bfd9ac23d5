"""The golden example of DESIGN §7, written once for every test that reproduces it.

Source: ../shared/DESIGN.md §7 "Golden example". Answers are option codes 5…1 (5 = 非常满意 =
100 points, 4 = 80, 3 = 60, 2 = 40, 1 = 0) and 9 = 不了解 (missing); w are final weights.
"""

from __future__ import annotations

# id, unit, person, q1, q2, q3, w  (in submission order)
GOLDEN_TABLE = [
    ("A1", "A", "h01", 5, 5, 4, 1.2), ("A2", "A", "h02", 4, 4, 4, 0.8),
    ("A3", "A", "h03", 5, 9, 5, 1.0), ("A4", "A", "h04", 3, 4, 3, 1.5),
    ("A5", "A", "h05", 4, 5, 9, 0.5), ("B1", "B", "h11", 4, 3, 3, 1.0),
    ("B2", "B", "h12", 3, 3, 2, 1.3), ("B3", "B", "h13", 5, 4, 4, 0.7),
    ("B4", "B", "h14", 2, 3, 3, 1.0), ("B5", "B", "h15", 9, 9, 4, 1.0),
    ("C1", "C", "h21", 4, 4, 5, 1.1), ("C2", "C", "h22", 5, 5, 5, 0.9),
    ("C3", "C", "h23", 4, 3, 4, 1.0), ("C4", "C", "h24", 5, 4, 4, 1.0),
    ("C5", "C", "h22", 1, 1, 1, 1.0),
]
