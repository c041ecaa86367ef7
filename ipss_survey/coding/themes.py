"""Coding open-ended answers into a codebook's themes by its patterns.

A pattern is one or more words (``pattern_words`` in ``ipss_survey.instrument.codebook``): it
matches an answer that holds those words in that order, whole (on word boundaries), ignoring
case, with any spaces or punctuation between them; a word ending in ``*`` matches any
continuation (``collaborat*``: collaborate, collaboration). Letters include accented letters
(accents are significant; composed and decomposed forms are the same); an apostrophe, a smart
quote or a hyphen only separates words. An answer mentions a theme when any of its patterns
matches, and may mention several. Answers that are not text (numbers, None, NaN) or hold no
letter or digit are empty: not coded, and not counted in the percentages' base.

An answer is cut into words by the same rule as a pattern, and a pattern matches where its
words are consecutive words of the answer: the whole-word, any-separator rule above, without
compiling a regular expression per pattern (which, with the combining marks as word
characters, cost a third of a second for a codebook of a hundred patterns). ``code_answers``
codes a whole text item and tabulates it (per theme, per group, co-occurrence, examples).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ipss_survey.coding.text_columns import text_value
from ipss_survey.instrument.codebook import Codebook, is_word_char, pattern_words
from ipss_survey.stats.groups import group_order

MAX_EXAMPLES = 5


_ASCII_WORD = re.compile(r"[a-z0-9]+")  # a word of case-folded ASCII text


def normalise_text(text: str) -> str:
    """Text as patterns see it: NFC-normalised and case-folded."""
    return unicodedata.normalize("NFC", text).casefold()


def answer_text(value: object) -> str | None:
    """An answer as text (surrounding spaces stripped), or None when it is empty.

    Empty: not text (a number, None, NaN, a true/false value), or text without any letter
    or digit ("", "  ", "-", "...").
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text if any(is_word_char(ch) for ch in text) else None


def text_words(norm: str) -> list[str]:
    """The words of normalised text (``normalise_text``): its runs of word characters.

    Word characters are those of ``pattern_words`` (letters, digits, combining marks), so a
    pattern's words and an answer's are cut by the same rule.
    """
    if norm.isascii():
        return _ASCII_WORD.findall(norm)
    words: list[str] = []
    current: list[str] = []
    for ch in norm:
        if is_word_char(ch):
            current.append(ch)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


@dataclass(frozen=True)
class _Pattern:
    """A pattern's words as (stem, open) pairs: an open word (``collaborat*``) matches any word
    starting with its stem, a closed one only itself."""

    words: tuple[tuple[str, bool], ...]

    def matches_at(self, words: Sequence[str], i: int) -> bool:
        if i + len(self.words) > len(words):
            return False
        for j, (stem, open_) in enumerate(self.words):
            word = words[i + j]
            if not (word == stem or (open_ and word.startswith(stem))):
                return False
        return True


def _compile(pattern: str) -> _Pattern:
    return _Pattern(tuple((w.removesuffix("*"), w.endswith("*")) for w in pattern_words(pattern)))


class ThemeMatcher:
    """A codebook's patterns made ready once: codes one answer at a time (``themes_of``).

    A pattern matches where its words are consecutive words of the answer (whatever spaces or
    punctuation lie between them), each equal to the pattern's word or, for an open word,
    starting with its stem. Patterns are looked up by their first word, so an answer costs a
    dictionary look-up per word plus a prefix check per open first word.
    """

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self.theme_ids: tuple[str, ...] = codebook.theme_ids
        self._closed: dict[str, list[tuple[int, _Pattern]]] = {}
        self._open: list[tuple[str, int, _Pattern]] = []
        for k, theme in enumerate(codebook.themes):
            for text in theme.patterns:
                pat = _compile(text)
                stem, open_ = pat.words[0]
                if open_:
                    self._open.append((stem, k, pat))
                else:
                    self._closed.setdefault(stem, []).append((k, pat))

    def matches(self, text: str) -> list[bool]:
        """For each theme (codebook order), whether a pattern matches this text."""
        words = text_words(normalise_text(text))
        hit = [False] * len(self.theme_ids)
        for i, word in enumerate(words):
            for k, pat in self._closed.get(word, ()):
                if not hit[k] and pat.matches_at(words, i):
                    hit[k] = True
            for stem, k, pat in self._open:
                if not hit[k] and word.startswith(stem) and pat.matches_at(words, i):
                    hit[k] = True
        return hit

    def themes_of(self, answer: object) -> tuple[str, ...] | None:
        """The ids of the themes an answer mentions (codebook order); None for an empty answer."""
        text = answer_text(answer)
        if text is None:
            return None
        return tuple(t for t, hit in zip(self.theme_ids, self.matches(text), strict=True) if hit)


def compile_codebook(codebook: Codebook) -> ThemeMatcher:
    """The codebook's patterns compiled, ready to code many answers."""
    return ThemeMatcher(codebook)


@dataclass(frozen=True)
class GroupShare:
    """One theme in one group: respondents mentioning it out of those with a non-empty answer."""

    group: str
    n: int
    base: int
    pct: float | None  # 0-100; None when the group gave no non-empty answer


@dataclass(frozen=True)
class ThemeCount:
    """One theme over a text item: ``n`` respondents mention it, ``pct`` of those who answered."""

    id: str
    name: str
    n: int
    pct: float | None  # 0-100 of ``ThemeCoding.nonempty``; None when nobody answered
    groups: tuple[GroupShare, ...]  # in group order; empty without groups
    examples: tuple[str, ...]  # up to MAX_EXAMPLES answers mentioning it, in data order


@dataclass(frozen=True)
class GroupAnswers:
    """A group's answers: rows, non-empty answers, and non-empty answers matching no theme."""

    group: str
    answers: int
    nonempty: int
    unmatched: int


@dataclass(frozen=True)
class ThemeCoding:
    """A text item coded by a codebook.

    ``codes[i]`` are the theme ids answer i mentions (codebook order), ``()`` for a non-empty
    answer matching no theme, None for an empty answer. ``cooccurrence[a][b]`` counts the
    respondents mentioning both theme a and theme b (codebook order; the diagonal is each
    theme's ``n``). ``ungrouped`` counts answers without a group label (with groups).
    """

    codebook: str
    theme_ids: tuple[str, ...]
    answers: int
    nonempty: int
    unmatched: int
    themes: tuple[ThemeCount, ...]
    groups: tuple[GroupAnswers, ...]
    ungrouped: int
    cooccurrence: tuple[tuple[int, ...], ...]
    codes: list[tuple[str, ...] | None]

    def theme(self, theme_id: str) -> ThemeCount:
        return self.themes[self.theme_ids.index(theme_id)]

    def both(self, first: str, second: str) -> int:
        """Respondents mentioning both themes."""
        return self.cooccurrence[self.theme_ids.index(first)][self.theme_ids.index(second)]


def _pct(n: int, base: int) -> float | None:
    return 100.0 * n / base if base else None


def code_matrix(
    answers: Sequence[object], codebook: Codebook | ThemeMatcher
) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
    """Every answer coded: (answers x themes bool matrix, non-empty mask, answer texts).

    Equal answers are matched once.
    """
    matcher = codebook if isinstance(codebook, ThemeMatcher) else ThemeMatcher(codebook)
    values = list(answers)
    hits = np.zeros((len(values), len(matcher.theme_ids)), dtype=bool)
    nonempty = np.zeros(len(values), dtype=bool)
    texts: list[str | None] = []
    seen: dict[str, list[bool]] = {}
    for i, value in enumerate(values):
        text = answer_text(value)
        texts.append(text)
        if text is None:
            continue
        nonempty[i] = True
        found = seen.get(text)
        if found is None:
            found = seen[text] = matcher.matches(text)
        hits[i] = found
    return hits, nonempty, texts


def code_answers(
    answers: Sequence[object],
    codebook: Codebook | ThemeMatcher,
    groups: Sequence[object] | None = None,
    *,
    max_examples: int = MAX_EXAMPLES,
) -> ThemeCoding:
    """Code the answers of one text item (in data order) and tabulate them by theme.

    ``groups``: optional group label of each answer (same length; empty labels belong to no
    group, but their answers count in the totals). Percentages are 0-100 of the respondents
    who gave a non-empty answer (in the group, for a group's).
    """
    matcher = codebook if isinstance(codebook, ThemeMatcher) else ThemeMatcher(codebook)
    book = matcher.codebook
    hits, nonempty, texts = code_matrix(answers, matcher)
    n_rows = hits.shape[0]
    ids = matcher.theme_ids
    codes: list[tuple[str, ...] | None] = [
        None if not nonempty[i] else tuple(t for t, h in zip(ids, hits[i], strict=True) if h)
        for i in range(n_rows)
    ]
    any_hit = hits.any(axis=1)
    base = int(nonempty.sum())
    counts = hits.sum(axis=0)

    labels: list[str | None] = []
    if groups is not None:
        labels = [text_value(g, None) for g in groups]
        if len(labels) != n_rows:
            raise ValueError(f"{len(labels)} group labels for {n_rows} answers")
    order = group_order(g for g in labels if g is not None)
    label_array = np.array(labels, dtype=object)
    masks = {g: np.asarray(label_array == g, dtype=bool) for g in order}
    group_rows = tuple(
        GroupAnswers(
            g,
            int(m.sum()),
            int(nonempty[m].sum()),
            int((nonempty[m] & ~any_hit[m]).sum()),
        )
        for g, m in masks.items()
    )
    group_counts = {g: hits[m].sum(axis=0) for g, m in masks.items()}

    themes = []
    for j, theme in enumerate(book.themes):
        rows = np.flatnonzero(hits[:, j])[:max_examples]
        examples = tuple(str(texts[i]) for i in rows)
        shares = tuple(
            GroupShare(
                ga.group,
                int(group_counts[ga.group][j]),
                ga.nonempty,
                _pct(int(group_counts[ga.group][j]), ga.nonempty),
            )
            for ga in group_rows
        )
        n = int(counts[j])
        themes.append(ThemeCount(theme.id, theme.name, n, _pct(n, base), shares, examples))
    both = hits.T.astype(np.int64) @ hits.astype(np.int64)
    return ThemeCoding(
        codebook=book.id,
        theme_ids=ids,
        answers=n_rows,
        nonempty=base,
        unmatched=int((nonempty & ~any_hit).sum()),
        themes=tuple(themes),
        groups=group_rows,
        ungrouped=sum(1 for g in labels if g is None),
        cooccurrence=tuple(tuple(int(v) for v in row) for row in both),
        codes=codes,
    )
