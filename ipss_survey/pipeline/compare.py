"""Comparing waves: the same instrument and options on two or more data files, and the change
between consecutive waves.

Each wave is analysed as ``analyze`` does; its constructs and items are then set side by side
by id, and each change from one wave to the next is tested:

- **paired** when respondents can be matched by id across the two waves (``--id``, else the
  instrument's respondent id): construct scores by the Wilcoxon signed-rank test of the
  differences (on 7 significant digits, as R's ``digits.rank = 7``), item agreement by
  McNemar's test, on the matched respondents only;
- **independent** otherwise: construct scores by the Mann-Whitney test, item agreement by the
  two-proportion test (Fisher's exact test when an expected count is below 5).

p-values are adjusted (``--p-adjust``) over the constructs of one level and over the items of
one step. Under a survey design the waves' figures are weighted and their intervals
design-based, but no test of change is made (a design-based test of change needs the two
samples' joint design): each change says so in ``method``. Results files (``results.json``)
can be compared too, descriptively, without tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ipss_survey.coding import MISSING
from ipss_survey.comparison import (
    COMPARE_SCHEMA_VERSION,
    Change,
    ChangeTestInfo,
    Comparison,
    ConstructComparison,
    GroupComparison,
    ItemComparison,
    Matching,
    OnlyIn,
    WaveFigures,
    WaveInfo,
)
from ipss_survey.errors import DataError
from ipss_survey.instrument import Instrument
from ipss_survey.pipeline.analyze import Analysis, analysis
from ipss_survey.pipeline.options import Options
from ipss_survey.pipeline.provenance import tool_info
from ipss_survey.results import Results, load_results
from ipss_survey.scoring import ConstructStats, ItemStats
from ipss_survey.stats.change import (
    AgreementChange,
    ScoreChange,
    independent_agreement_from_counts,
    independent_score_change,
    match_pairs,
    paired_agreement_change,
    paired_score_change,
)
from ipss_survey.stats.padjust import p_adjust
from ipss_survey.warnings import RunWarning, WarningCode

NO_TEST_DESIGN = "no test of change under a survey design (figures are design-based)"
NO_TEST_RESULTS = "descriptive: compared from results files, without the data"


@dataclass
class Wave:
    """One wave: its label and either a full analysis (a data file) or saved results."""

    label: str
    results: Results
    analysis: Analysis | None = None
    instrument: Instrument | None = None


def wave_labels(paths: Sequence[Path], labels: Sequence[str] | None) -> list[str]:
    """``--labels`` (one per file), else the files' names without their suffix."""
    if labels:
        if len(labels) != len(paths):
            raise DataError(
                f"--labels gives {len(labels)} label(s) for {len(paths)} file(s); give one "
                "per file, in order"
            )
        return [str(lb).strip() for lb in labels]
    names = [Path(p).stem for p in paths]
    if len(set(names)) < len(names):
        names = [Path(p).name for p in paths]
    return names


def load_waves(
    paths: Sequence[Path],
    instruments: Sequence[Instrument],
    opts: Options,
    labels: Sequence[str] | None = None,
) -> list[Wave]:
    """Analyse each data file (or read each results.json) with its instrument."""
    if len(paths) < 2:
        raise DataError("compare needs two or more files: the baseline and each follow-up")
    if len(instruments) not in (1, len(paths)):
        raise DataError(
            f"--instrument given {len(instruments)} times for {len(paths)} files: give one "
            "for all waves, or one per wave in order"
        )
    names = wave_labels(paths, labels)
    waves = []
    for i, path in enumerate(paths):
        inst = instruments[0] if len(instruments) == 1 else instruments[i]
        if Path(path).suffix.lower() == ".json":
            waves.append(Wave(names[i], load_results(path)))
            continue
        found = analysis(path, inst, opts, keep_rows=True)
        waves.append(Wave(names[i], found.results, found, inst))
    return waves


def _figures(c: ConstructStats | None, results: Results) -> WaveFigures | None:
    if c is None:
        return None
    level = next((m for m in results.maturity if m.construct == c.id), None)
    return WaveFigures(
        c.n,
        c.mean,
        c.sd,
        c.pct_agree,
        c.ci_pct_agree,
        None if level is None else level.level,
        None if level is None else level.label,
    )


def _item_figures(it: ItemStats | None) -> WaveFigures | None:
    return None if it is None else WaveFigures(it.n, it.mean, it.sd, it.pct_agree)


def _difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else b - a


def _test_info(found: ScoreChange | AgreementChange) -> ChangeTestInfo:
    t = found.test
    return ChangeTestInfo(t.name, t.statistic, t.p_value, None, t.n, t.effect)


class _Step:
    """The change from one wave to the next: matching, then every test."""

    def __init__(self, a: Wave, b: Wave) -> None:
        self.a, self.b = a, b
        self.pairs: tuple[np.ndarray, np.ndarray] | None = None
        self.testable = a.analysis is not None and b.analysis is not None
        self.design = bool(
            self.testable
            and (a.analysis.scored.design is not None or b.analysis.scored.design is not None)  # type: ignore[union-attr]
        )
        if self.testable and not self.design:
            self.pairs = _pairs(a, b)

    @property
    def paired(self) -> bool:
        return self.pairs is not None

    def _rows(self, wave: Wave, label: str | None) -> np.ndarray:
        """Row positions of a wave's analysed rows (one group's with ``label``)."""
        assert wave.analysis is not None
        n = wave.analysis.coded.codes.shape[0]
        if label is None:
            return np.arange(n)
        groups = wave.analysis.coded.groups or []
        return np.flatnonzero(np.array([g == label for g in groups], dtype=bool))

    def construct_change(
        self, ci_a: int, ci_b: int, fa: WaveFigures | None, fb: WaveFigures | None, label=None
    ) -> Change:
        mean = _difference(fa and fa.mean, fb and fb.mean)
        pct = _difference(fa and fa.pct_agree, fb and fb.pct_agree)
        maturity = None
        if fa and fb and fa.maturity_level is not None and fb.maturity_level is not None:
            maturity = fb.maturity_level - fa.maturity_level
        if not self.testable or self.design:
            method = NO_TEST_DESIGN if self.design else NO_TEST_RESULTS
            n = (fa.n if fa else 0) + (fb.n if fb else 0)
            return Change(0, 0, n, mean, pct, method, None, None, maturity)
        assert self.a.analysis is not None and self.b.analysis is not None
        sa = self.a.analysis.scored.row_scores(ci_a)
        sb = self.b.analysis.scored.row_scores(ci_b)
        if self.pairs is not None:
            ra, rb = self.pairs
            if label is not None:
                keep = _in_group(self.a, ra, label)
                ra, rb = ra[keep], rb[keep]
            found = paired_score_change(sa[ra], sb[rb])
            n = found.n_baseline
        else:
            xa = sa[self._rows(self.a, label)]
            xb = sb[self._rows(self.b, label)]
            found = independent_score_change(xa[~np.isnan(xa)], xb[~np.isnan(xb)])
            n = found.n_baseline + found.n_followup
        return Change(0, 0, n, mean, pct, found.method, _test_info(found), None, maturity)

    def item_change(self, code: str, fa: WaveFigures | None, fb: WaveFigures | None) -> Change:
        mean = _difference(fa and fa.mean, fb and fb.mean)
        pct = _difference(fa and fa.pct_agree, fb and fb.pct_agree)
        if not self.testable or self.design or fa is None or fb is None:
            method = NO_TEST_DESIGN if self.design else NO_TEST_RESULTS
            return Change(0, 0, (fa.n if fa else 0) + (fb.n if fb else 0), mean, pct, method, None)
        agree_a = _agrees(self.a, code)
        agree_b = _agrees(self.b, code)
        if self.pairs is not None:
            ra, rb = self.pairs
            found = paired_agreement_change(agree_a[ra], agree_b[rb])
            return Change(0, 0, found.n_baseline, mean, pct, found.method, _test_info(found))
        xa, xb = agree_a[~np.isnan(agree_a)], agree_b[~np.isnan(agree_b)]
        found = independent_agreement_from_counts(int(xa.sum()), xa.size, int(xb.sum()), xb.size)
        ci = None if found.ci is None else [found.ci[0], found.ci[1]]
        return Change(0, 0, xa.size + xb.size, mean, pct, found.method, _test_info(found), ci)


def _in_group(wave: Wave, rows: np.ndarray, label: str) -> np.ndarray:
    assert wave.analysis is not None
    groups = wave.analysis.coded.groups or []
    return np.array([groups[i] == label for i in rows.tolist()], dtype=bool)


def _pairs(a: Wave, b: Wave) -> tuple[np.ndarray, np.ndarray] | None:
    """Matched rows when both waves have respondent ids and at least one id is shared."""
    assert a.analysis is not None and b.analysis is not None
    ids_a, ids_b = a.analysis.coded.ids, b.analysis.coded.ids
    if not any(i is not None for i in ids_a) or not any(i is not None for i in ids_b):
        return None
    try:
        ra, rb = match_pairs(np.array(ids_a, dtype=object), np.array(ids_b, dtype=object))
    except ValueError as exc:  # an id twice within a wave: coding already refuses it
        raise DataError(f"respondent ids: {exc}") from None
    return (ra, rb) if ra.size else None


def _agrees(wave: Wave, code: str) -> np.ndarray:
    """Per analysed row: 1 when the answer to ``code`` is an agreement code, 0, NaN."""
    assert wave.analysis is not None and wave.instrument is not None
    coded = wave.analysis.coded
    j = coded.item_codes.index(code)
    lut = np.zeros(256)  # by the code's byte: 1 agree, 0 not, NaN missing
    lut[np.array(wave.instrument.item(code).scale.agree, dtype=np.int8).view(np.uint8)] = 1.0
    lut[np.array([MISSING], dtype=np.int8).view(np.uint8)] = np.nan
    return lut[coded.codes[:, j].view(np.uint8)]


def compare(waves: list[Wave], opts: Options, id_column: str | None = None) -> Comparison:
    """Set the waves side by side and test each change from one wave to the next."""
    steps = [_Step(waves[i], waves[i + 1]) for i in range(len(waves) - 1)]
    con_ids = _common([[c.id for c in w.results.constructs] for w in waves])
    item_codes = _common([[it.code for it in w.results.items] for w in waves])
    only_in = _only_in(waves, con_ids, item_codes)
    constructs = []
    for cid in con_ids:
        per = [next((c for c in w.results.constructs if c.id == cid), None) for w in waves]
        figures = [_figures(c, w.results) for c, w in zip(per, waves, strict=True)]
        changes = []
        for s, step in enumerate(steps):
            ci_a = _index(waves[s].results, cid)
            ci_b = _index(waves[s + 1].results, cid)
            ch = step.construct_change(ci_a, ci_b, figures[s], figures[s + 1])
            ch.from_, ch.to = s, s + 1
            changes.append(ch)
        ref = next(c for c in per if c is not None)
        constructs.append(ConstructComparison(cid, ref.level, ref.name, figures, changes))
    items = []
    for code in item_codes:
        per_i = [next((it for it in w.results.items if it.code == code), None) for w in waves]
        figures = [_item_figures(it) for it in per_i]
        changes = []
        for s, step in enumerate(steps):
            ch = step.item_change(code, figures[s], figures[s + 1])
            ch.from_, ch.to = s, s + 1
            changes.append(ch)
        ref_i = next(it for it in per_i if it is not None)
        items.append(ItemComparison(code, ref_i.text, ref_i.dimension, figures, changes))
    groups = _group_comparisons(waves, steps, con_ids, opts) if opts.group else []
    _adjust_constructs(constructs, opts.p_adjust)
    for g in groups:
        _adjust_constructs(g.constructs, opts.p_adjust)
    _adjust_items(items, opts.p_adjust)
    matched = None
    paired = bool(steps) and all(st.paired for st in steps)
    if paired:
        matched = Matching(
            id_column or _id_name(waves),
            [int(st.pairs[0].size) for st in steps],  # type: ignore[index]
            [
                [
                    int(st.a.results.data.rows_analysed - st.pairs[0].size),  # type: ignore[index]
                    int(st.b.results.data.rows_analysed - st.pairs[1].size),  # type: ignore[index]
                ]
                for st in steps
            ],
        )
    warnings = []
    for st in steps:
        if st.testable and not st.design and not st.paired:
            warnings.append(
                RunWarning(
                    WarningCode.WAVES_NOT_PAIRED,
                    f"{st.a.label} -> {st.b.label}: no respondent id matches across the waves, "
                    "so they are compared as independent samples",
                )
            )
    for o in only_in:
        listed = ", ".join((o.items + o.constructs)[:10])
        warnings.append(
            RunWarning(
                WarningCode.NOT_IN_EVERY_WAVE,
                f"{o.wave}: {len(o.items)} item(s) and {len(o.constructs)} construct(s) not in "
                f"every wave are left out of the comparison: {listed}",
            )
        )
    return Comparison(
        schema_version=COMPARE_SCHEMA_VERSION,
        tool=tool_info(),
        options={**opts.recorded(), "id_column": id_column, "labels": [w.label for w in waves]},
        waves=[
            WaveInfo(
                w.label,
                w.results.data.source,
                w.results.data.sha256,
                w.results.data.rows_analysed,
                f"{w.results.instrument.id} {w.results.instrument.version}".strip(),
            )
            for w in waves
        ],
        paired=paired,
        matched=matched,
        constructs=constructs,
        items=items,
        groups=groups,
        only_in=only_in,
        warnings=warnings,
    )


def _id_name(waves: list[Wave]) -> str | None:
    inst = waves[0].instrument
    return inst.respondent_id if inst is not None else None


def _index(results: Results, cid: str) -> int:
    return next(i for i, c in enumerate(results.constructs) if c.id == cid)


def _common(lists: list[list[str]]) -> list[str]:
    """What every wave has, in the first wave's order."""
    shared = set(lists[0]).intersection(*map(set, lists[1:]))
    return [x for x in lists[0] if x in shared]


def _only_in(waves: list[Wave], con_ids: list[str], item_codes: list[str]) -> list[OnlyIn]:
    out = []
    for w in waves:
        items = [it.code for it in w.results.items if it.code not in item_codes]
        cons = [c.id for c in w.results.constructs if c.id not in con_ids]
        if items or cons:
            out.append(OnlyIn(w.label, items, cons))
    return out


def _group_comparisons(
    waves: list[Wave], steps: list[_Step], con_ids: list[str], opts: Options
) -> list[GroupComparison]:
    """Per group (in the first wave's order, then groups new in later waves)."""
    labels: list[str] = []
    for w in waves:
        labels += [g.group for g in w.results.groups if g.group not in labels]
    out = []
    for label in labels:
        per_wave = [next((g for g in w.results.groups if g.group == label), None) for w in waves]
        constructs = []
        for cid in con_ids:
            figures = [
                None
                if g is None
                else _figures(next((c for c in g.constructs if c.id == cid), None), w.results)
                for g, w in zip(per_wave, waves, strict=True)
            ]
            for f in figures:  # maturity levels are reported for everyone, not per group
                if f is not None:
                    f.maturity_level = f.maturity_label = None
            changes = []
            for s, step in enumerate(steps):
                if figures[s] is None or figures[s + 1] is None:
                    ch = Change(s, s + 1, 0, None, None, "the group is not in both waves", None)
                else:
                    ch = step.construct_change(
                        _index(waves[s].results, cid),
                        _index(waves[s + 1].results, cid),
                        figures[s],
                        figures[s + 1],
                        label,
                    )
                    ch.from_, ch.to = s, s + 1
                changes.append(ch)
            ref = next(c for c in waves[0].results.constructs if c.id == cid)
            constructs.append(ConstructComparison(cid, ref.level, ref.name, figures, changes))
        out.append(GroupComparison(label, constructs))
    return out


def _adjust(changes: list[Change], method: str) -> None:
    tested = [c for c in changes if c.test is not None]
    adjusted = p_adjust([c.test.p_value for c in tested], method)  # type: ignore[union-attr]
    for c, q in zip(tested, adjusted, strict=True):
        assert c.test is not None
        c.test.p_adj = None if np.isnan(q) else float(q)


def _adjust_constructs(constructs: list[ConstructComparison], method: str) -> None:
    """Over the constructs of one level, step by step."""
    steps = max((len(c.changes) for c in constructs), default=0)
    for level in ("dimension", "subdimension"):
        for s in range(steps):
            _adjust([c.changes[s] for c in constructs if c.level == level], method)


def _adjust_items(items: list[ItemComparison], method: str) -> None:
    steps = max((len(it.changes) for it in items), default=0)
    for s in range(steps):
        _adjust([it.changes[s] for it in items], method)
