"""倾听意见: what citizens say about each unit (DESIGN §13). Pure text analysis, no database.

* :mod:`~analysis.comments.redact` — ``redact(text) -> Redacted``: phone, ID card, e-mail, plate
  and bank card numbers masked with visible tokens (``［电话已隐去］``), with counts per kind.
* :mod:`~analysis.comments.segment` — ``Segmenter(extra_words, extra_stop_words).tokens(text)``:
  jieba with the shipped user dictionary (``data/userdict.txt``) and stop words
  (``data/stopwords.txt``); ``shared_segmenter()`` reuses one per word list.
* :mod:`~analysis.comments.explore` — ``analyse(comments, previous, segmenter, top)`` →
  ``{unit: UnitComments}``: TF-IDF keywords against the city (:mod:`~analysis.comments.keywords`),
  dissatisfied vs satisfied terms and rising themes by weighted log-odds with an informative
  Dirichlet prior (:mod:`~analysis.comments.log_odds`, :mod:`~analysis.comments.themes`), and
  representative comments for each word.
* :mod:`~analysis.comments.suppression` — the k rule (k = 5) with complementary suppression:
  ``suppress(cells)`` for one breakdown with its total, ``suppress_table(rows)`` for a two-way
  table with row and column totals, audited by linear programming.

Importing this package loads neither jieba nor scipy; the modules that need them do.
"""
