"""Agreement between human coders, and between each coder and the codebook, theme by theme.

Each coder's codes come as one column, one cell per answer, holding the ids of the themes the
coder found, separated by ``;`` (``trust; silos``). An empty cell means the coder did not code
that answer (missing); ``-`` or ``none`` means the coder coded it and found no theme. Theme ids
are matched ignoring case and surrounding spaces; an id the codebook does not have is an error.

For each theme every coder then says present (1) or absent (0) for each answer they coded, and
``ipss_survey.stats.coder_agreement`` gives Cohen's kappa for every pair of coders and for each
coder against the codebook's automatic coding, and Krippendorff's alpha over all human coders.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from ipss_survey.coding.text_columns import text_value
from ipss_survey.coding.themes import ThemeMatcher, code_matrix
from ipss_survey.errors import DataError, name_list, one_line
from ipss_survey.instrument.codebook import (
    NO_THEME_MARKERS,
    THEME_SEPARATOR,
    Codebook,
    theme_key,
)
from ipss_survey.stats.coder_agreement import (
    CI_LEVEL,
    CohenKappa,
    KrippendorffAlpha,
    cohen_kappa,
    krippendorff_alpha,
)
from ipss_survey.stats.notes import Note, NoteCode

AUTOMATIC = "codebook"  # the name of the codebook's automatic coding among the coders
_SHOW_UNKNOWN = 5


def parse_coder_column(values: Sequence[object], codebook: Codebook, coder: str) -> np.ndarray:
    """One coder's column as an answers x themes array: 1 present, 0 absent, NaN not coded.

    Raises DataError naming the coder, the answer (1-based, in data order) and the id when a
    cell holds a theme id the codebook does not have, or ``-``/``none`` beside theme ids.
    """
    cells = list(values)
    out = np.full((len(cells), len(codebook.themes)), np.nan)
    position = {theme_key(t.id): j for j, t in enumerate(codebook.themes)}
    unknown: dict[str, list[int]] = {}
    for i, cell in enumerate(cells):
        text = text_value(cell, None)
        if text is None:
            continue
        parts = [p.strip() for p in text.split(THEME_SEPARATOR)]
        keys = [theme_key(p) for p in parts if p]
        if not keys:
            continue
        marked = [k for k in keys if k in NO_THEME_MARKERS]
        ids = [k for k in keys if k not in NO_THEME_MARKERS]
        if marked and ids:
            raise DataError(
                f"coder {one_line(coder)!r}, answer {i + 1}: {one_line(text)!r} says both "
                "'no theme' (- or none) and theme ids; keep one"
            )
        out[i] = 0.0
        for key, part in zip(keys, (p for p in parts if p), strict=True):
            if key in NO_THEME_MARKERS:
                continue
            j = position.get(key)
            if j is None:
                unknown.setdefault(part, []).append(i + 1)
            else:
                out[i, j] = 1.0
    if unknown:
        shown = [
            f"{one_line(part)!r} (answer {', '.join(map(str, rows[:3]))}"
            + (" ..." if len(rows) > 3 else "")
            + ")"
            for part, rows in list(unknown.items())[:_SHOW_UNKNOWN]
        ]
        more = f" and {len(unknown) - _SHOW_UNKNOWN} more" if len(unknown) > _SHOW_UNKNOWN else ""
        raise DataError(
            f"coder {one_line(coder)!r}: unknown theme id(s) {', '.join(shown)}{more}; the "
            f"codebook {codebook.id!r} has: {name_list(codebook.theme_ids)} (and - or none "
            "for 'no theme')"
        )
    return out


@dataclass(frozen=True)
class PairAgreement:
    """Cohen's kappa of two coders on one theme (``second`` is AUTOMATIC for the codebook)."""

    first: str
    second: str
    kappa: CohenKappa


@dataclass(frozen=True)
class ThemeAgreement:
    """One theme: how many answers each coder gave it, alpha over the human coders, and kappa
    for every pair of human coders (column order) and then each coder against the codebook."""

    theme: str
    name: str
    mentions: dict[str, int]  # coder (and AUTOMATIC) -> answers coded with this theme
    alpha: KrippendorffAlpha
    pairs: tuple[PairAgreement, ...]

    def kappa(self, first: str, second: str) -> CohenKappa:
        for p in self.pairs:
            if {p.first, p.second} == {first, second}:
                return p.kappa
        raise KeyError((first, second))


@dataclass(frozen=True)
class CoderAgreement:
    """Agreement on every theme of a codebook (codebook order).

    ``units`` are the answers that enter the statistics: the non-empty answers when the
    answers were given (an empty answer is not a unit of the reliability data), otherwise
    every row; ``automatic`` is True when the codebook's own coding is compared too.
    """

    codebook: str
    coders: tuple[str, ...]
    units: int
    automatic: bool
    themes: tuple[ThemeAgreement, ...]

    def theme(self, theme_id: str) -> ThemeAgreement:
        for t in self.themes:
            if t.theme == theme_id:
                return t
        raise KeyError(theme_id)


def _not_used(theme: str, who: Sequence[str]) -> Note:
    names = " and ".join(who) if len(who) <= 2 else ", ".join(who)
    return Note(
        NoteCode.THEME_NOT_USED,
        f"theme {theme!r}: {names} gave it to no answer they coded in common, so agreement on "
        "it is undefined",
    )


def _pair(
    theme: str, first: str, second: str, a: np.ndarray, b: np.ndarray, level: float
) -> PairAgreement:
    result = cohen_kappa(a, b, level)
    both = ~(np.isnan(a) | np.isnan(b))
    if result.kappa is None and both.any() and not (a[both].any() or b[both].any()):
        result = replace(result, notes=[_not_used(theme, [first, second])])
    return PairAgreement(first, second, result)


def coder_agreement(
    coders: Mapping[str, Sequence[object]],
    codebook: Codebook | ThemeMatcher,
    answers: Sequence[object] | None = None,
    *,
    level: float = CI_LEVEL,
) -> CoderAgreement:
    """Per theme: Cohen's kappa for every pair of coders and each coder against the codebook,
    and Krippendorff's alpha (nominal) over the human coders.

    ``coders`` maps each coder's name (their column) to their cells, one per answer, in data
    order; ``answers`` are the answers themselves (same order): when given, only non-empty
    answers are units, and the codebook's automatic coding is compared with each coder.
    A theme no compared coder used has kappa/alpha None with a ``theme_not_used`` note.
    """
    matcher = codebook if isinstance(codebook, ThemeMatcher) else ThemeMatcher(codebook)
    book = matcher.codebook
    names = [str(c) for c in coders]
    if not names:
        raise ValueError("coder agreement needs at least one coder's column")
    if answers is not None and AUTOMATIC in names:
        raise DataError(
            f"a coder column is named {AUTOMATIC!r}, the name of the codebook's own coding; "
            "rename the column"
        )
    arrays = [parse_coder_column(coders[c], book, str(c)) for c in coders]
    lengths = {a.shape[0] for a in arrays}
    if answers is not None:
        hits, nonempty, _ = code_matrix(answers, matcher)
        lengths.add(hits.shape[0])
    if len(lengths) != 1:
        raise ValueError(f"coder columns and answers differ in length: {sorted(lengths)}")
    if answers is not None:
        arrays = [a[nonempty] for a in arrays]
        auto = hits[nonempty].astype(float)
    units = arrays[0].shape[0]
    themes = []
    for j, theme in enumerate(book.themes):
        columns = [a[:, j] for a in arrays]
        mentions = {c: int(np.nansum(col)) for c, col in zip(names, columns, strict=True)}
        data = np.vstack(columns)
        alpha = krippendorff_alpha(data)
        pairable = (~np.isnan(data)).sum(axis=0) >= 2
        if alpha.alpha is None and pairable.any() and not np.nansum(data[:, pairable]):
            alpha = replace(alpha, notes=[_not_used(theme.id, names)])
        pairs = [
            _pair(theme.id, names[x], names[y], columns[x], columns[y], level)
            for x in range(len(names))
            for y in range(x + 1, len(names))
        ]
        if answers is not None:
            mentions[AUTOMATIC] = int(auto[:, j].sum())
            pairs += [
                _pair(theme.id, c, AUTOMATIC, col, auto[:, j], level)
                for c, col in zip(names, columns, strict=True)
            ]
        themes.append(ThemeAgreement(theme.id, theme.name, mentions, alpha, tuple(pairs)))
    return CoderAgreement(book.id, tuple(names), units, answers is not None, tuple(themes))
