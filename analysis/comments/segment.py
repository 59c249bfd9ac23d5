"""Chinese word segmentation for comments: jieba with Minyi's user dictionary and stop words.

Each :class:`Segmenter` owns a private ``jieba.Tokenizer`` (jieba's public class), so the words one
segmenter adds never reach another one or jieba's global tokenizer. The tokenizer is built on
first use (loading jieba's dictionary takes about a second) and reused afterwards; use
:func:`shared_segmenter` to reuse one across calls with the same extra words.

Kept tokens: a dictionary word of the shipped user dictionary (``data/userdict.txt``, the demo
city's districts, departments and public-service terms) or of ``extra_words`` is always kept
whole (``12345热线``, ``市场监督管理局``), with a jieba frequency of at least :data:`WORD_FREQ` so
that it also wins against jieba's own compounds around it (说路灯不亮 → 路灯, not 路|灯不亮); any other token is kept when at least two of its
characters are Chinese or Latin letters and it is not a stop word (``data/stopwords.txt`` plus
``extra_stop_words``). So punctuation, numbers (``2026``, ``12000``), one-character words (``的``,
``很``) and counts (``3次``, ``12月``, ``两个``, ``一年``) go. Text is NFKC-normalised first
(full-width letters and digits become half-width), Latin letters are upper-cased (``App`` and
``APP`` are one word), and redaction tokens (``［电话已隐去］``) are removed.

Speed: jieba cuts a sentence in independent runs of Chinese characters, letters and digits,
split at punctuation and spaces; the segmenter splits the same way and caches each run's
tokens, so a phrase that recurs across thousands of comments is cut once.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import threading
import unicodedata
import warnings
from collections.abc import Iterable
from importlib import resources
from typing import Any

from analysis.comments.redact import MASK_RE

#: jieba cuts each run of these characters on its own (its ``re_han_default``).
_RUN = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+")
_LETTER = re.compile(r"[\u4E00-\u9FD5A-Za-z]")
#: A count and a measure word (两个, 一年, 三次, 好几趟): no theme of its own.
_COUNT_WORD = re.compile(r"好?[一二两三四五六七八九十几半]+[个次年天月日周回趟遍件位名份条家]")
_CACHE_LIMIT = 200_000
#: Changes whenever the filtering below changes (part of :attr:`Segmenter.fingerprint`).
TOKEN_RULES = "minyi-tokens/1"
#: jieba frequency given to a dictionary word without one (路 has 27,626 in jieba's dictionary).
WORD_FREQ = 20_000


def _data_lines(name: str) -> list[str]:
    text = resources.files("analysis.comments").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@functools.cache
def shipped_words() -> tuple[tuple[str, int | None], ...]:
    """The shipped user dictionary as (word, frequency or None)."""
    words = []
    for line in _data_lines("userdict.txt"):
        word, _, freq = line.partition(" ")
        words.append((word, int(freq) if freq.strip().isdigit() else None))
    return tuple(words)


@functools.cache
def shipped_stop_words() -> frozenset[str]:
    """The shipped stop words."""
    return frozenset(_data_lines("stopwords.txt"))


def _normalise(word: str) -> str:
    return unicodedata.normalize("NFKC", word).strip().upper()


class Segmenter:
    """Cut comments into words with jieba, the user dictionary and stop words.

    Parameters
    ----------
    extra_words : iterable of str
        Words to keep whole on top of the shipped dictionary (the administrator's own terms).
    extra_stop_words : iterable of str
        Words to drop on top of the shipped stop words.

    Examples
    --------
    >>> seg = Segmenter(extra_words=["老马社区"])
    >>> seg.tokens("城东区市场监督管理局的12345热线打了3次都没人接，老马社区的路灯也不亮")
    ['城东区', '市场监督管理局', '12345热线', '没人接', '老马社区', '路灯', '不亮']
    """

    def __init__(self, extra_words: Iterable[str] = (), extra_stop_words: Iterable[str] = ()) -> None:
        words: dict[str, int | None] = dict(shipped_words())
        for word in extra_words:
            if word.strip():
                words.setdefault(_normalise(word), None)
        self._words = {_normalise(w): f for w, f in words.items()}
        self._stop = shipped_stop_words() | {_normalise(w) for w in extra_stop_words if w.strip()}
        self._stop -= self._words.keys()  # a dictionary word is never a stop word
        self._tokenizer: Any = None
        self._lock = threading.Lock()
        self._runs: dict[str, tuple[str, ...]] = {}

    @property
    def words(self) -> frozenset[str]:
        """Every word kept whole: the shipped dictionary plus ``extra_words``."""
        return frozenset(self._words)

    @property
    def stop_words(self) -> frozenset[str]:
        """Every word dropped."""
        return frozenset(self._stop)

    @property
    def fingerprint(self) -> str:
        """sha256 of everything that decides the tokens (jieba's version, the words kept whole
        with their frequencies, the stop words, the filtering rules), for callers that store
        tokens: tokens stored under another fingerprint must be cut again."""
        from importlib.metadata import version

        digest = hashlib.sha256()
        parts = [TOKEN_RULES, version("jieba"), str(WORD_FREQ)]
        parts += [f"{w} {f}" for w, f in sorted(self._words.items())]
        parts += ["--stop--", *sorted(self._stop)]
        digest.update("\n".join(parts).encode("utf-8"))
        return digest.hexdigest()

    @property
    def loaded(self) -> bool:
        """Whether jieba's dictionary has been loaded (it is, on the first :meth:`tokens`)."""
        return self._tokenizer is not None

    def _jieba(self) -> Any:
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    self._tokenizer = self._build()
        return self._tokenizer

    def _build(self) -> Any:
        with warnings.catch_warnings():
            # jieba 0.42.1 imports pkg_resources when present (deprecated in newer setuptools) and
            # has old-style escapes in its regular expressions: nothing for Minyi to act on
            warnings.filterwarnings("ignore", category=UserWarning, message="pkg_resources")
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", SyntaxWarning)
            import jieba

        jieba.setLogLevel(logging.WARNING)  # not "Building prefix dict ..." on every start
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        for word, freq in self._words.items():
            if freq is None:  # enough to stay whole next to jieba's own words (路|灯不亮 → 路灯|不亮)
                freq = max(tokenizer.suggest_freq(word, False), WORD_FREQ)
            tokenizer.add_word(word, freq)
        return tokenizer

    def tokens(self, text: str) -> list[str]:
        """The kept words of ``text`` in order (a word repeated in the text is repeated here)."""
        text = unicodedata.normalize("NFKC", MASK_RE.sub(" ", text)).upper()
        out: list[str] = []
        runs = self._runs
        for run in _RUN.findall(text):
            cut = runs.get(run)
            if cut is None:
                cut = self._cut(run)
                if len(runs) >= _CACHE_LIMIT:
                    runs.clear()
                runs[run] = cut
            out.extend(cut)
        return out

    def _cut(self, run: str) -> tuple[str, ...]:
        return tuple(t for t in self._jieba().lcut(run) if self._keep(t))

    def _keep(self, token: str) -> bool:
        if token in self._words:
            return True
        return (
            len(_LETTER.findall(token)) >= 2
            and token not in self._stop
            and _COUNT_WORD.fullmatch(token) is None
        )


_SHARED_LOCK = threading.Lock()


@functools.lru_cache(maxsize=2)  # a loaded segmenter holds jieba's dictionary: about 75 MB
def _shared(extra_words: tuple[str, ...], extra_stop_words: tuple[str, ...]) -> Segmenter:
    return Segmenter(extra_words, extra_stop_words)


def shared_segmenter(extra_words: Iterable[str] = (), extra_stop_words: Iterable[str] = ()) -> Segmenter:
    """One :class:`Segmenter` per distinct (extra words, extra stop words), built once and reused.

    The two most recently used word lists are kept (the current dictionary and the one before an
    administrator's change); each loaded segmenter holds about 75 MB.

    >>> shared_segmenter(["老马社区"]) is shared_segmenter(["老马社区"])
    True
    """
    key = (tuple(sorted(set(extra_words))), tuple(sorted(set(extra_stop_words))))
    with _SHARED_LOCK:
        return _shared(*key)
