"""The open-ended answers of a run: each text question coded into its codebook's themes,
tabulated overall and per group, with every answer and, when human coders' columns are
given, their agreement with each other and with the codebook (``coding.themes``,
``coding.agreement``).
"""

from __future__ import annotations

from ipss_survey.coding import CodedData
from ipss_survey.coding.agreement import coder_agreement
from ipss_survey.coding.themes import ThemeMatcher, code_answers
from ipss_survey.instrument import Instrument
from ipss_survey.instrument.codebook import resolve_codebook
from ipss_survey.pipeline.notes import NoteCollector
from ipss_survey.results import (
    CodedAnswer,
    KappaEntry,
    OpenAnswers,
    ThemeAgreementEntry,
    ThemeEntry,
    ThemeGroup,
)


def open_answers_section(
    coded: CodedData, instrument: Instrument, notes: NoteCollector
) -> tuple[list[ThemeEntry], list[OpenAnswers]] | None:
    """(themes, open_answers) for the text questions with a codebook the file holds; None when
    the instrument has none."""
    questions = [q for q in instrument.questions if q.type == "text" and q.codebook]
    if not questions:
        return None
    themes: list[ThemeEntry] = []
    answers: list[OpenAnswers] = []
    for q in questions:
        found = coded.questions.get(q.code)
        if found is None or found.texts is None:
            continue  # no column: a question_absent warning says so
        assert q.codebook is not None
        matcher = ThemeMatcher(resolve_codebook(q.codebook))
        coding = code_answers(found.texts, matcher, coded.groups)
        for t in coding.themes:
            themes.append(
                ThemeEntry(
                    item=q.code,
                    theme=t.id,
                    name=t.name,
                    respondents=t.n,
                    pct=t.pct,
                    groups=[ThemeGroup(g.group, g.n, g.pct) for g in t.groups],
                    examples=list(t.examples),
                )
            )
        coded_rows = [
            CodedAnswer(
                row=int(coded.row_numbers[i]),
                id=coded.ids[i],
                group=None if coded.groups is None else coded.groups[i],
                answer=str(found.texts[i]),
                themes=list(codes),
            )
            for i, codes in enumerate(coding.codes)
            if codes is not None
        ]
        entry = OpenAnswers(
            item=q.code,
            text=q.text,
            codebook=coding.codebook,
            answers=coding.answers,
            nonempty=coding.nonempty,
            unmatched=coding.unmatched,
            pct_unmatched=100.0 * coding.unmatched / coding.nonempty if coding.nonempty else None,
            theme_ids=list(coding.theme_ids),
            cooccurrence=[list(row) for row in coding.cooccurrence],
            coded=coded_rows,
        )
        cells = coded.coders.get(q.code)
        if cells:
            agreement = coder_agreement(cells, matcher, found.texts)
            entry.coders = list(agreement.coders)
            entry.agreement = []
            for t in agreement.themes:
                notes.add(f"{q.code} {t.theme}", t.alpha.notes, "coder agreement")
                pairs = []
                for p in t.pairs:
                    notes.add(f"{q.code} {t.theme}", p.kappa.notes, "coder agreement")
                    k = p.kappa
                    pairs.append(
                        KappaEntry(
                            p.first,
                            p.second,
                            k.kappa,
                            None if k.ci is None else list(k.ci),
                            k.n,
                            k.agreement,
                        )
                    )
                entry.agreement.append(
                    ThemeAgreementEntry(
                        t.theme, dict(t.mentions), t.alpha.alpha, t.alpha.units, pairs
                    )
                )
        answers.append(entry)
    return themes, answers
