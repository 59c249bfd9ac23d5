"""What citizens say about each unit (倾听意见, DESIGN §13).

- :mod:`.extract` — free-text answers of a wave's accepted submissions, attached to the unit
  they were written about (or to the wave), redacted before anything leaves this package, with
  the score of the same rating (:mod:`.scale`), the survey weight (:mod:`.weights`) and the
  respondent's stratum; and the cells' respondent counts (:mod:`.cells`).
- :mod:`.visibility` — the k rule for evaluated units (cells of fewer than 5 respondents, and
  nothing recoverable by difference).
- :mod:`.corpus` — the extraction and its analysis (keywords, dissatisfied vs satisfied terms,
  rising themes; :mod:`analysis.comments`), cached by content.
- :mod:`.dictionary` — the administrator's words and stop words for the segmenter.
- :mod:`.portal` — an evaluated unit's published results, trend, items and breakdowns.
- :mod:`.browse`, :mod:`.exports` — reading and exporting a unit's comments.

The administrator, like the office, sees masked text only: no page or file shows a comment
unredacted, so there is no unmasked view to audit.
"""
