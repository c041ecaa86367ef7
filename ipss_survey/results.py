"""The one ``Results`` object a run produces; ``results.json`` is its faithful form.

Field names and order follow the contract (``docs/results.md``): each section is a
dataclass whose fields, in order, are the keys of its JSON object. Every table, chart and
report is drawn from this object, so a number never differs between outputs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ipss_survey.errors import DataError
from ipss_survey.jsonform import OMIT_NONE, dumps, plain
from ipss_survey.read import ExcludedRow
from ipss_survey.results_v1 import upgrade
from ipss_survey.scoring import ConstructStats, GroupStats, ItemStats
from ipss_survey.scoring.choices import ChoiceSummary, OptionCount
from ipss_survey.scoring.classification import (
    ClassCount,
    ClassificationGroup,
    ClassificationSummary,
)
from ipss_survey.scoring.summaries import RespondentsAgreeing
from ipss_survey.stats.groups import Effect, ExcludedGroup, PairwiseTest
from ipss_survey.stats.reliability import ItemReliability
from ipss_survey.warnings import RunWarning

SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)  # ``load_results`` reads these; v1 files are upgraded on reading


@dataclass
class ToolInfo:
    name: str
    version: str
    dependencies: dict[str, str | None]


@dataclass
class LevelInfo:
    """A maturity band: from ``min`` (the construct mean) upwards, until the next band."""

    min: float
    label: str


@dataclass
class MaturityInfo:
    basis: str
    levels: list[LevelInfo]


@dataclass
class InstrumentInfo:
    """The instrument as a run used it; ``scale`` is None when each dimension has its own."""

    id: str
    title: str
    version: str
    scale: dict[str, list[int]] | None  # points, agree, neutral, missing
    source: str
    labels: dict[str, str]
    maturity: MaturityInfo | None = field(default=None, metadata=OMIT_NONE)


@dataclass
class DataInfo:
    """The data file and what became of its rows: rows_read = rows_analysed + excluded."""

    source: str
    sha256: str
    format: str
    rows_read: int
    rows_analysed: int
    group_by: str | None
    rows_excluded: list[ExcludedRow]
    warnings: list[RunWarning]
    columns: dict[str, str]  # item code -> the file column it was read from
    layout: str = ""  # the survey platform's export layout recognised ("" for a plain table)
    design: DesignInfo | None = None  # only with --weight, --strata or --cluster


@dataclass
class DesignInfo:
    """The survey design a run used (``svydesign(ids, strata, weights)``, no fpc)."""

    weights: str | None  # the file's columns, or None
    strata: str | None
    cluster: str | None
    n_psu: int
    n_strata: int
    sum_weights: float
    lonely_psu: str


@dataclass
class ReliabilityEntry:
    """Internal consistency of one construct (definitions in docs/statistics.md)."""

    construct: str
    level: str
    k: int
    n: int
    alpha: float | None
    alpha_std: float | None
    alpha_ci: list[float] | None
    average_r: float | None
    omega_total: float | None
    items: list[ItemReliability]


@dataclass
class Wilcoxon:
    """A construct's one-sample signed-rank test of its scores against the scale midpoint."""

    mu: float
    statistic: float | None
    p_value: float | None
    n: int
    method: str


@dataclass
class AcceptanceTest:
    """Is an item's or construct's acceptance above the threshold?

    ``pct_agree`` is the figure every report shows (for a construct the pooled share of
    agreeing answers, equal to ``constructs[].pct_agree``); ``successes`` of ``answers`` valid
    answers agree, given by ``n`` respondents; ``se`` and ``ci`` (percent) are those of the
    test's ``method``. ``statistic`` and ``df``: t tests only; ``ci_wilson`` and ``ci_exact``:
    exact binomial tests only; ``level`` and ``wilcoxon``: constructs only.
    """

    target: str  # "item" | "construct"
    id: str
    pct_agree: float | None
    successes: int
    answers: int
    n: int
    threshold: float
    se: float | None
    ci: list[float] | None
    p_value: float | None
    p_adj: float | None
    method: str
    meets_threshold: bool | None
    significant: bool | None
    level: str | None = field(default=None, metadata=OMIT_NONE)
    statistic: float | None = field(default=None, metadata=OMIT_NONE)
    df: int | None = field(default=None, metadata=OMIT_NONE)
    ci_wilson: list[float] | None = field(default=None, metadata=OMIT_NONE)
    ci_exact: list[float] | None = field(default=None, metadata=OMIT_NONE)
    wilcoxon: Wilcoxon | None = field(default=None, metadata=OMIT_NONE)


@dataclass
class GroupTestEntry:
    """One test comparing groups on one construct; ``pairwise`` for Kruskal-Wallis."""

    construct: str
    level: str
    test: str
    statistic: float | None
    df: int | list[float] | None  # [ndf, ddf] for F tests
    p_value: float | None
    p_adj: float | None
    effect: Effect | None
    method: str
    pairwise: list[PairwiseTest]
    groups: list[str]
    group_sizes: list[int]
    excluded_groups: list[ExcludedGroup]


@dataclass
class MaturityEntry:
    """A construct's maturity level: the band its mean reaches, read on ``oriented_mean`` (the
    mean on the scale turned so that higher means more agreement; equal to ``mean`` unless the
    agreement codes are the scale's lowest points)."""

    construct: str
    mean: float | None
    level: int | None
    label: str | None
    oriented_mean: float | None = None


@dataclass
class ThemeGroup:
    """A theme's share of one group's respondents who answered the question."""

    group: str
    respondents: int
    pct: float | None


@dataclass
class ThemeEntry:
    """One theme of one open-ended question: respondents whose answer mentions it, as a
    percentage of those who gave a non-empty answer; up to five ``examples`` in data order."""

    item: str
    theme: str
    name: str
    respondents: int
    pct: float | None
    groups: list[ThemeGroup]
    examples: list[str]


@dataclass
class CodedAnswer:
    """One non-empty answer as written, and the themes it was coded to (codebook order)."""

    row: int
    id: str | None
    group: str | None
    answer: str
    themes: list[str]


@dataclass
class KappaEntry:
    """Cohen's kappa of two coders (``second`` "codebook": the automatic coding) on a theme,
    on the ``n`` answers both coded; ``agreement`` the raw share of equal codes (0-1)."""

    first: str
    second: str
    kappa: float | None
    ci: list[float] | None
    n: int
    agreement: float | None


@dataclass
class ThemeAgreementEntry:
    """Agreement on one theme: answers each coder gave it, Krippendorff's alpha over the human
    coders (on ``alpha_units`` answers coded by two or more), kappa for each pair."""

    theme: str
    mentions: dict[str, int]
    alpha: float | None
    alpha_units: int
    pairs: list[KappaEntry]


@dataclass
class OpenAnswers:
    """An open-ended question coded into its codebook's themes.

    ``answers`` rows, ``nonempty`` with an answer, ``unmatched`` of those matching no theme;
    ``cooccurrence[a][b]`` respondents mentioning both theme a and theme b (``theme_ids``
    order); ``coded`` every non-empty answer with its themes; ``coders`` and ``agreement``
    only when human coders' columns were given.
    """

    item: str
    text: str
    codebook: str
    answers: int
    nonempty: int
    unmatched: int
    pct_unmatched: float | None
    theme_ids: list[str]
    cooccurrence: list[list[int]]
    coded: list[CodedAnswer]
    coders: list[str] | None = field(default=None, metadata=OMIT_NONE)
    agreement: list[ThemeAgreementEntry] | None = field(default=None, metadata=OMIT_NONE)


@dataclass
class ItemAgreement:
    """rwg of one item in one group, on the group's answers to it."""

    code: str
    n: int
    rwg: float | None


@dataclass
class PanelAgreement:
    """Within-group agreement on one construct in one group: rwg(j) on the ``n`` respondents
    who answered every item, and rwg per item."""

    construct: str
    group: str
    n: int
    rwg_j: float | None
    items: list[ItemAgreement]


@dataclass
class IccEntry:
    """ICC(1) and ICC(2) of one construct's scores across the groups (one-way ANOVA)."""

    construct: str
    level: str
    icc1: float | None
    icc2: float | None
    n_groups: int
    n: int
    mean_group_size: float | None


@dataclass
class Results:
    schema_version: int
    tool: ToolInfo
    options: dict[str, Any]  # every option that shaped the numbers (pipeline.Options)
    instrument: InstrumentInfo
    data: DataInfo
    items: list[ItemStats]
    constructs: list[ConstructStats]
    groups: list[GroupStats] = field(default_factory=list)
    reliability: list[ReliabilityEntry] = field(default_factory=list)
    acceptance_tests: list[AcceptanceTest] = field(default_factory=list)
    group_tests: list[GroupTestEntry] = field(default_factory=list)
    maturity: list[MaturityEntry] = field(default_factory=list)
    multiple_choice: list[ChoiceSummary] | None = None  # only with multi-select questions
    categories: list[ChoiceSummary] | None = None  # only with categorical questions
    themes: list[ThemeEntry] | None = None  # only with open-ended questions with a codebook
    open_answers: list[OpenAnswers] | None = None
    classifications: list[ClassificationSummary] | None = None  # only with classifications
    agreement: list[PanelAgreement] | None = None  # only with --group
    icc: list[IccEntry] | None = None  # only with --group
    # The schema version of the file this was read from (``from_dict``; None for a run's own
    # results); not part of results.json.
    read_from_schema: int | None = None

    def _top(self) -> dict[str, Any]:
        """The top level of results.json, values as held (not yet made plain): ``groups``
        and ``group_tests`` only with a grouping, ``maturity`` only with levels."""
        top: dict[str, Any] = {
            "schema_version": self.schema_version,
            "tool": self.tool,
            "options": self.options,
            "instrument": self.instrument,
            "data": self.data,
            "items": self.items,
            "constructs": self.constructs,
        }
        if self.data.group_by:
            top["groups"] = self.groups
        top["reliability"] = self.reliability
        top["acceptance_tests"] = self.acceptance_tests
        if self.data.group_by:
            top["group_tests"] = self.group_tests
        if self.maturity:
            top["maturity"] = self.maturity
        if self.multiple_choice is not None:
            top["multiple_choice"] = self.multiple_choice
        if self.categories is not None:
            top["categories"] = self.categories
        if self.themes is not None:
            top["themes"] = self.themes
            top["open_answers"] = self.open_answers
        if self.classifications is not None:
            top["classifications"] = self.classifications
        if self.agreement is not None:
            top["agreement"] = self.agreement
            top["icc"] = self.icc
        return top

    def to_dict(self) -> dict[str, Any]:
        """results.json as plain Python data."""
        return plain(self._top())

    def to_json(self) -> str:
        """results.json: deterministic (same inputs, same bytes), one line, final newline.

        Pretty-print with ``python -m json.tool`` when reading it by eye.
        """
        return dumps(self._top()) + "\n"

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Results:
        """Rebuild from a saved results.json (for redrawing reports without the data); a
        schema 1 file is upgraded first (``results_v1.upgrade``)."""
        version = d.get("schema_version")
        if version not in READABLE_VERSIONS:
            raise ValueError(
                f"schema_version {version!r} is not one of {', '.join(map(str, READABLE_VERSIONS))}"
            )
        if version == 1:
            d = upgrade(d)
        return cls(
            schema_version=d["schema_version"],
            tool=ToolInfo(**d["tool"]),
            options=d["options"],
            instrument=_instrument(d["instrument"]),
            data=_data(d["data"]),
            items=[ItemStats(**i) for i in d["items"]],
            constructs=[_construct(c) for c in d["constructs"]],
            groups=[
                GroupStats(
                    group=g["group"],
                    n=g["n"],
                    constructs=[_construct(c) for c in g["constructs"]],
                    items=[ItemStats(**i) for i in g.get("items", [])],
                    multiple_choice=_choices(g.get("multiple_choice")),
                    categories=_choices(g.get("categories")),
                )
                for g in d.get("groups", [])
            ],
            reliability=[_reliability(r) for r in d.get("reliability", [])],
            acceptance_tests=[_acceptance(a) for a in d.get("acceptance_tests", [])],
            group_tests=[_group_test(g) for g in d.get("group_tests", [])],
            maturity=[MaturityEntry(**m) for m in d.get("maturity", [])],
            multiple_choice=_choices(d.get("multiple_choice")),
            categories=_choices(d.get("categories")),
            themes=_themes(d.get("themes")),
            open_answers=_open_answers(d.get("open_answers")),
            classifications=_classifications(d.get("classifications")),
            agreement=None
            if d.get("agreement") is None
            else [
                PanelAgreement(**{**a, "items": [ItemAgreement(**i) for i in a["items"]]})
                for a in d["agreement"]
            ],
            icc=None if d.get("icc") is None else [IccEntry(**e) for e in d["icc"]],
            read_from_schema=version,
        )


def _construct(d: dict[str, Any]) -> ConstructStats:
    r = d.get("respondents_agreeing")
    return ConstructStats(**{**d, "respondents_agreeing": RespondentsAgreeing(**r) if r else None})


def _themes(d: list[dict[str, Any]] | None) -> list[ThemeEntry] | None:
    if d is None:
        return None
    return [ThemeEntry(**{**t, "groups": [ThemeGroup(**g) for g in t["groups"]]}) for t in d]


def _open_answers(d: list[dict[str, Any]] | None) -> list[OpenAnswers] | None:
    if d is None:
        return None
    out = []
    for o in d:
        agreement = o.get("agreement")
        out.append(
            OpenAnswers(
                **{
                    **o,
                    "coded": [CodedAnswer(**c) for c in o["coded"]],
                    "agreement": None
                    if agreement is None
                    else [
                        ThemeAgreementEntry(**{**a, "pairs": [KappaEntry(**p) for p in a["pairs"]]})
                        for a in agreement
                    ],
                }
            )
        )
    return out


def _classifications(d: list[dict[str, Any]] | None) -> list[ClassificationSummary] | None:
    if d is None:
        return None
    out = []
    for c in d:
        groups = [
            ClassificationGroup(**{**g, "classes": [ClassCount(**k) for k in g["classes"]]})
            for g in c.get("groups", [])
        ]
        classes = [ClassCount(**k) for k in c["classes"]]
        out.append(ClassificationSummary(**{**c, "classes": classes, "groups": groups}))
    return out


def _choices(d: list[dict[str, Any]] | None) -> list[ChoiceSummary] | None:
    if d is None:
        return None
    return [ChoiceSummary(**{**c, "options": [OptionCount(**o) for o in c["options"]]}) for c in d]


def _instrument(d: dict[str, Any]) -> InstrumentInfo:
    m = d.get("maturity")
    maturity = (
        MaturityInfo(m.get("basis", ""), [LevelInfo(**lv) for lv in m["levels"]]) if m else None
    )
    return InstrumentInfo(**{**d, "maturity": maturity})


def _data(d: dict[str, Any]) -> DataInfo:
    design = d.get("design")
    return DataInfo(
        **{
            **d,
            "rows_excluded": [ExcludedRow(**e) for e in d["rows_excluded"]],
            "warnings": [RunWarning.from_dict(w) for w in d["warnings"]],
            "columns": d.get("columns", {}),
            "design": DesignInfo(**design) if design else None,
        }
    )


def _reliability(d: dict[str, Any]) -> ReliabilityEntry:
    return ReliabilityEntry(**{**d, "items": [ItemReliability(**i) for i in d["items"]]})


def _acceptance(d: dict[str, Any]) -> AcceptanceTest:
    w = d.get("wilcoxon")
    return AcceptanceTest(**{**d, "wilcoxon": Wilcoxon(**w) if w else None})


def _effect(d: dict[str, Any] | None) -> Effect | None:
    return Effect(**d) if d else None


def _group_test(d: dict[str, Any]) -> GroupTestEntry:
    return GroupTestEntry(
        **{
            **d,
            "effect": _effect(d.get("effect")),
            "pairwise": [
                PairwiseTest(**{**p, "effect": _effect(p.get("effect"))})
                for p in d.get("pairwise", [])
            ],
            "excluded_groups": [ExcludedGroup(**e) for e in d.get("excluded_groups", [])],
        }
    )


def load_results(path: str | Path) -> Results:
    """A saved results.json as Results, with one-line errors for a wrong or broken file."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{p}: not a readable results.json ({exc})") from None
    try:
        return Results.from_dict(doc)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DataError(
            f"{p}: not a results.json of schema version "
            f"{' or '.join(map(str, READABLE_VERSIONS))} ({type(exc).__name__}: {exc})"
        ) from None
