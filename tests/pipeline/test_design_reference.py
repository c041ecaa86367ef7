"""The whole weighted pipeline against R's survey package.

``analyze`` runs on the rows of one design of tests/reference/api.csv (apistrat, apiclus1 and
designs derived from them, with seven 5-point items cut from the API data) with the instrument
tests/data/api.yaml and the design's options (``--weight``, ``--strata``, ``--cluster``,
``--lonely-psu``, ``--where``), and every design-based number of results.json is compared
with the ``pipeline`` key of tests/reference/survey.json, which tests/reference/survey.R
computes from the raw answers with R's own keying, scores and long data: items, constructs,
per group (svyby's domains), acceptance tests, Rao-Scott and design-based rank tests.
Unlike tests/stats/test_survey_reference.py, which calls the statistics on prepared arrays,
this goes through reading, filtering, coding, reverse keying, scoring and the per-unit sums.

Tolerances: estimates 1e-9 relative (svyciprop's, from a glm fit, 1e-6); standard errors,
intervals, t and F statistics and p-values 1e-6 relative; counts and degrees of freedom
exact.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from ipss_survey.cli import app
from ipss_survey.errors import ExitCode
from ipss_survey.instrument import load_instrument
from ipss_survey.pipeline import Options, analyze
from tests.paths import DATA, REFERENCE

EST = 1e-9  # estimates: ratios of weighted sums
GLM = 1e-6  # svyciprop's estimate, from svyglm's fit
SE = 1e-6  # standard errors, intervals, statistics, p-values
ATOL = 1e-12
API = REFERENCE / "api.csv"
INSTRUMENT = DATA / "api.yaml"


@cache
def pipeline() -> dict[str, Any]:
    return json.loads((REFERENCE / "survey.json").read_text())["pipeline"]


RUNS = pipeline()["runs"]
RUN_IDS = [f"{r['name']}-{r['policy']}" for r in RUNS]
GROUPED = [(r, g) for r in RUNS for g in r["groupings"]]
GROUPED_IDS = [f"{r['name']}-{r['policy']}-{g['group']}" for r, g in GROUPED]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def options(run: dict[str, Any], group: str | None = None, **extra: Any) -> Options:
    o = run["options"]
    return Options(
        where=tuple(as_list(o["where"])),
        weight=o["weight"],
        strata=o["strata"],
        cluster=o["cluster"],
        lonely_psu=o["lonely_psu"],
        group=group,
        threshold=pipeline()["instrument"]["threshold"],
        **extra,
    )


@pytest.fixture(scope="module")
def data_files(tmp_path_factory) -> dict[str, Path]:
    """api.csv, and a copy with two more columns: ``one`` (a weight of 1 for every row, for
    R's design without weights) and ``pw_scaled`` (pw times 7.25)."""
    folder = tmp_path_factory.mktemp("api")
    frame = pd.read_csv(API, dtype=str, keep_default_na=False)
    frame["one"] = "1"
    frame["pw_scaled"] = [repr(float(v) * 7.25) for v in frame["pw"]]
    extended = folder / "api_extended.csv"
    frame.to_csv(extended, index=False)
    return {"api": API, "extended": extended}


@pytest.fixture(scope="module")
def results(data_files) -> Callable[..., dict[str, Any]]:
    """results.json (as a dict) of one run of survey.json by one grouping, computed once."""
    instrument = load_instrument(INSTRUMENT)
    memo: dict[tuple[int, str | None], dict[str, Any]] = {}

    def get(run: dict[str, Any], group: str | None = None) -> dict[str, Any]:
        key = (RUNS.index(run), group)
        if key not in memo:
            path = data_files["extended" if run["options"]["weight"] == "one" else "api"]
            memo[key] = analyze(path, instrument, options(run, group)).to_dict()
        return memo[key]

    return get


class Checker:
    """Collects every mismatch of one test, so a failure lists them all."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def num(self, label: str, actual: Any, expected: Any, rel: float) -> None:
        if expected is None or (isinstance(expected, float) and math.isnan(expected)):
            if actual is not None:
                self.problems.append(f"{label}: expected None (R: NA), got {actual!r}")
            return
        if actual is None or actual != pytest.approx(expected, rel=rel, abs=ATOL):
            self.problems.append(f"{label}: expected {expected!r}, got {actual!r}")

    def nums(self, label: str, actual: Any, expected: Any, rel: float) -> None:
        if expected is None:
            if actual is not None:
                self.problems.append(f"{label}: expected None, got {actual!r}")
            return
        expected = as_list(expected)
        if actual is None or len(actual) != len(expected):
            self.problems.append(f"{label}: expected {expected!r}, got {actual!r}")
            return
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            self.num(f"{label}[{i}]", a, e, rel)

    def same(self, label: str, actual: Any, expected: Any) -> None:
        if actual != expected:
            self.problems.append(f"{label}: expected {expected!r}, got {actual!r}")

    def done(self) -> None:
        assert not self.problems, f"{len(self.problems)} mismatch(es):\n" + "\n".join(
            self.problems[:40]
        )


def by_key(seq: list[dict[str, Any]], key: str, value: Any) -> dict[str, Any]:
    return next(x for x in seq if x[key] == value)


def check_item(c: Checker, label: str, got: dict[str, Any], ref: dict[str, Any]) -> None:
    """One items[] entry against R's item_summary (absent keys: no answer, R has none)."""
    c.same(f"{label} n", got["n"], ref["n"])
    c.same(f"{label} missing", got["missing"], ref["missing"])
    c.same(f"{label} counts", got["counts"], ref["counts"])
    c.num(f"{label} n_weighted", got["n_weighted"], ref["n_weighted"], EST)
    c.same(f"{label} weighted_counts keys", list(got["weighted_counts"]), list(ref["counts"]))
    for code, w in ref["weighted_counts"].items():
        c.num(f"{label} weighted_counts[{code}]", got["weighted_counts"].get(code), w, EST)
    for key in ("mean", "sd", "median", "pct_agree", "pct_neutral", "pct_disagree"):
        c.num(f"{label} {key}", got[key], ref.get(key), EST)
    c.num(f"{label} pct_favourable", got["pct_favourable"], ref.get("pct_favourable"), EST)
    for key in ("se_mean", "se_pct_agree", "se_pct_neutral", "se_pct_disagree"):
        c.num(f"{label} {key}", got[key], ref.get(key), SE)
    c.num(f"{label} se_pct_favourable", got["se_pct_favourable"], ref.get("se_pct_favourable"), SE)


def check_construct(
    c: Checker,
    label: str,
    got: dict[str, Any],
    ref: dict[str, Any],
    ref_items: list[dict[str, Any]],
) -> None:
    """One constructs[] entry against R's construct_summary: scores on the wide design,
    acceptance on the long design (one row per valid keyed answer)."""
    c.same(f"{label} n", got["n"], ref["n"])
    c.same(f"{label} answers", got["answers"], ref["answers"])
    c.num(f"{label} n_weighted", got["n_weighted"], ref["n_weighted"], EST)
    for key in ("mean", "sd", "median"):
        c.num(f"{label} {key}", got[key], ref.get(key), EST)
    c.num(f"{label} se_mean", got["se_mean"], ref.get("se_mean"), SE)
    for key in ("pct_agree", "pct_neutral", "pct_disagree"):
        c.num(f"{label} {key}", got[key], ref.get(key), EST)
    if ref.get("svyciprop") is not None:  # R leaves p of 0 or 1 without a glm
        c.num(f"{label} pct_agree (svyciprop)", got["pct_agree"], ref["svyciprop"], GLM)
    for key in ("se_pct_agree", "se_pct_neutral", "se_pct_disagree"):
        c.num(f"{label} {key}", got[key], ref.get(key), SE)
    c.nums(f"{label} ci_pct_agree", got["ci_pct_agree"], ref.get("ci_pct_agree"), SE)
    favourable = [
        i["pct_favourable"]
        for i in ref_items
        if i["item"] in got["items"] and i.get("pct_favourable") is not None
    ]
    expected_range = [min(favourable), max(favourable)] if favourable else None
    c.nums(f"{label} acceptance_range", got["acceptance_range"], expected_range, EST)
    agreeing, ref_agreeing = got.get("respondents_agreeing"), ref.get("respondents_agreeing")
    if ref_agreeing is None:
        c.same(f"{label} respondents_agreeing", agreeing, None)
        return
    if agreeing is None:
        c.same(f"{label} respondents_agreeing", agreeing, ref_agreeing)
        return
    c.same(f"{label} respondents_agreeing count", agreeing["count"], ref_agreeing["count"])
    c.same(f"{label} respondents_agreeing n", agreeing["n"], ref_agreeing["n"])
    c.num(f"{label} respondents_agreeing pct", agreeing["pct"], ref_agreeing["pct"], EST)
    c.num(f"{label} respondents_agreeing se_pct", agreeing["se_pct"], ref_agreeing["se_pct"], SE)


# -- the instrument and the design ------------------------------------------------------------


def test_instrument_is_keyed_as_r_keys_it() -> None:
    """survey.R hard-codes the instrument's keys; they must be tests/data/api.yaml's."""
    inst = load_instrument(INSTRUMENT)
    ref = pipeline()["instrument"]
    assert [(c.id, c.level, list(c.items)) for c in inst.constructs] == [
        (c["id"], c["level"], as_list(c["items"])) for c in ref["constructs"]
    ]
    assert [it.code for it in inst.items if it.reverse] == as_list(ref["reverse"])
    for it in inst.items:
        assert list(it.scale.points) == ref["points"]
        assert list(it.scale.agree) == ref["agree"]
        assert list(it.scale.neutral) == as_list(ref["neutral"])
    assert Options().min_answered == ref["min_answered"]
    assert Options().min_group_size == ref["min_group_size"]


@pytest.mark.parametrize("run", RUNS, ids=RUN_IDS)
def test_design_info_matches_r(results, run) -> None:
    got = results(run)
    o, ref = run["options"], run["design"]
    assert got["data"]["rows_analysed"] == run["rows"]
    design = got["data"]["design"]
    assert (design["weights"], design["strata"], design["cluster"]) == (
        o["weight"],
        o["strata"],
        o["cluster"],
    )
    assert design["lonely_psu"] == run["policy"]
    assert (design["n_psu"], design["n_strata"]) == (ref["n_psu"], ref["n_strata"])
    assert design["sum_weights"] == pytest.approx(ref["sum_weights"], rel=EST)


# -- items, constructs, acceptance tests (the whole sample) -----------------------------------


@pytest.mark.parametrize("run", RUNS, ids=RUN_IDS)
def test_items_match_svymean_svyvar_svyquantile(results, run) -> None:
    got = results(run)["items"]
    c = Checker()
    assert [i["code"] for i in got] == [i["item"] for i in run["items"]]
    for item, ref in zip(got, run["items"], strict=True):
        check_item(c, item["code"], item, ref)
    c.done()


@pytest.mark.parametrize("run", RUNS, ids=RUN_IDS)
def test_constructs_match_scores_and_long_data(results, run) -> None:
    got = results(run)["constructs"]
    c = Checker()
    assert [x["id"] for x in got] == [x["id"] for x in run["constructs"]]
    for con, ref in zip(got, run["constructs"], strict=True):
        check_construct(c, con["id"], con, ref, run["items"])
    c.done()


@pytest.mark.parametrize("run", RUNS, ids=RUN_IDS)
def test_acceptance_tests_match_svyciprop_and_t_test(results, run) -> None:
    """Items on the wide design, constructs on the long one: p and SE of svymean, the logit
    interval of svyciprop, t = (p - 0.5)/SE on degf, one-sided p, Holm within each kind."""
    got = results(run)
    tests = got["acceptance_tests"]
    ref = run["acceptance"]
    c = Checker()
    for target, refs in (("item", ref["items"]), ("construct", ref["constructs"])):
        entries = [t for t in tests if t["target"] == target]
        assert [t["id"] for t in entries] == [r["id"] for r in refs]
        for t, r in zip(entries, refs, strict=True):
            label = f"{target} {t['id']}"
            c.num(f"{label} pct_agree", t["pct_agree"], r["pct_agree"], EST)
            if r["svyciprop"] is not None:
                c.num(f"{label} pct_agree (svyciprop)", t["pct_agree"], r["svyciprop"], GLM)
            c.num(f"{label} se", t["se"], r["se"], SE)
            c.nums(f"{label} ci", t["ci"], r["ci"], SE)
            c.num(f"{label} statistic", t["statistic"], r["statistic"], SE)
            c.same(f"{label} df", t["df"], r["df"])
            c.num(f"{label} p_value", t["p_value"], r["p_value"], SE)
            c.num(f"{label} p_adj", t["p_adj"], r["p_adj"], SE)
            c.same(f"{label} threshold", t["threshold"], 100 * ref["p0"])
        for t in entries:
            if target == "item":
                item = by_key(run["items"], "item", t["id"])
                c.same(f"{t['id']} answers", (t["answers"], t["n"]), (item["n"], item["n"]))
                agree = sum(item["counts"][str(k)] for k in pipeline()["instrument"]["agree"])
                c.same(f"{t['id']} successes", t["successes"], agree)
            else:
                con = by_key(run["constructs"], "id", t["id"])
                c.same(f"{t['id']} answers", t["answers"], con["answers"])
                c.same(f"{t['id']} respondents", t["n"], con["respondents"])
                c.same(f"{t['id']} df = construct df", t["df"], con["df"])
                ci = by_key(got["constructs"], "id", t["id"])["ci_pct_agree"]
                c.same(f"{t['id']} ci = the construct's", t["ci"], ci)
    c.done()


# -- groups: svyby's domains and the group tests ------------------------------------------------


@pytest.mark.parametrize(("run", "grouping"), GROUPED, ids=GROUPED_IDS)
def test_groups_match_svyby(results, run, grouping) -> None:
    """groups[]: each group's items and constructs on design[group, ] (and the long design's
    dl[group, ]): the whole design's PSU counts, the group's own degf for intervals."""
    got = results(run, grouping["group"])
    c = Checker()
    assert [g["group"] for g in got["groups"]] == [g["group"] for g in grouping["groups"]]
    for group, ref in zip(got["groups"], grouping["groups"], strict=True):
        name = f"{grouping['group']}={group['group']}"
        c.same(f"{name} n", group["n"], ref["n"])
        for item, ref_item in zip(group["items"], ref["items"], strict=True):
            c.same(f"{name} item", item["code"], ref_item["item"])
            check_item(c, f"{name} {item['code']}", item, ref_item)
        for con, ref_con in zip(group["constructs"], ref["constructs"], strict=True):
            c.same(f"{name} construct", con["id"], ref_con["id"])
            check_construct(c, f"{name} {con['id']}", con, ref_con, ref["items"])
    c.done()


def nu_counts_left_out_groups(ref: dict[str, Any]) -> bool:
    """Whether svychisq's nu on the tested groups' design differs from its nu on the whole
    long design with the left-out groups' labels missing (survey.R records both)."""
    return "as_missing" in ref and ref["as_missing"]["nu"] != ref["nu"]


def _rao_scott(c: Checker, label: str, got: dict[str, Any], ref: dict[str, Any]) -> None:
    c.same(f"{label} groups", got["groups"], as_list(ref["groups"]))
    c.same(f"{label} group_sizes", got["group_sizes"], as_list(ref["group_sizes"]))
    c.same(
        f"{label} excluded",
        [e["group"] for e in got["excluded_groups"]],
        as_list(ref["excluded"]),
    )
    if "F" not in ref:
        c.same(f"{label} statistic", got["statistic"], None)
        return
    c.num(f"{label} F", got["statistic"], ref["F"], SE)
    if nu_counts_left_out_groups(ref):  # ddf and p: test_rao_scott_df_without_left_out_groups
        c.num(f"{label} ndf", got["df"][0], ref["ndf"], SE)
        return
    c.nums(f"{label} df", got["df"], [ref["ndf"], ref["ddf"]], SE)
    c.num(f"{label} p_value", got["p_value"], ref["p_value"], SE)


def _rank(c: Checker, label: str, got: dict[str, Any], ref: dict[str, Any]) -> None:
    c.same(f"{label} groups", got["groups"], as_list(ref["groups"]))
    c.same(f"{label} group_sizes", got["group_sizes"], as_list(ref["group_sizes"]))
    c.same(
        f"{label} excluded",
        [e["group"] for e in got["excluded_groups"]],
        as_list(ref["excluded"]),
    )
    if "test" not in ref:
        c.same(f"{label} statistic", got["statistic"], None)
        return
    c.same(f"{label} test", got["test"], f"design-{ref['test']}")
    c.num(f"{label} p_value", got["p_value"], ref["p_value"], SE)
    if ref["test"] == "wilcoxon":
        c.num(f"{label} t", got["statistic"], ref["statistic"], SE)
        c.same(f"{label} df", got["df"], ref["df"])
    else:
        c.num(f"{label} chisq", got["statistic"], ref["chisq"], SE)
        c.same(f"{label} df", got["df"], [ref["ndf"], ref["ddf"]])


@pytest.mark.parametrize(("run", "grouping"), GROUPED, ids=GROUPED_IDS)
def test_group_tests_match_svychisq_and_svyranktest(results, run, grouping) -> None:
    """rao-scott: svychisq(~agree + group, dl[tested, ], statistic = "F") on the long design;
    design-wilcoxon / design-kruskal-wallis: svyranktest(score ~ group, d[tested, ]) with one
    mid-rank per tie (survey.R's svyranktest_midrank)."""
    got = results(run, grouping["group"])["group_tests"]
    c = Checker()
    for ref in grouping["tests"]:
        con = ref["construct"]
        entries = [t for t in got if t["construct"] == con]
        rao = [t for t in entries if t["test"] == "rao-scott"]
        rank = [t for t in entries if t["test"] != "rao-scott"]
        assert len(rao) == len(rank) == 1, con
        _rao_scott(c, f"{con} rao-scott", rao[0], ref["rao_scott"])
        _rank(c, f"{con} rank", rank[0], ref["rank"])
    c.done()


LEFT_OUT = [
    (run, grouping, tests)
    for run, grouping in GROUPED
    for tests in grouping["tests"]
    if nu_counts_left_out_groups(tests["rao_scott"])
]


@pytest.mark.parametrize(
    ("run", "grouping", "tests"),
    LEFT_OUT,
    ids=[f"{r['name']}-{g['group']}-{t['construct']}" for r, g, t in LEFT_OUT],
)
def test_rao_scott_df_without_left_out_groups(results, run, grouping, tests) -> None:
    """A group smaller than min_group_size left out of the Rao-Scott test: R's
    svychisq(~agree + group, dl[group %in% tested, ], statistic = "F") takes nu from the
    tested groups' PSUs and strata (here the two high schools of stratum H answering q6/q7
    are left out: apistrat nu 132 (R) against 133, weights only 133 against 135)."""
    got = next(
        t
        for t in results(run, grouping["group"])["group_tests"]
        if t["construct"] == tests["construct"] and t["test"] == "rao-scott"
    )
    ref = tests["rao_scott"]
    assert got["statistic"] == pytest.approx(ref["F"], rel=SE)
    assert got["df"] == pytest.approx([ref["ndf"], ref["ddf"]], rel=SE)
    assert got["p_value"] == pytest.approx(ref["p_value"], rel=SE)


# -- invariants -------------------------------------------------------------------------------

SCALED_KEYS = {"n_weighted", "weighted_counts", "sum_weights"}


def _compare(
    a: Any, b: Any, path: str, problems: list[str], scale: float = 1.0, factor: float = 1.0
) -> None:
    """b equals a, to 1e-9 relative on numbers, except that numbers under a key of
    SCALED_KEYS are ``scale`` times a's (``factor`` is the one in force)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            problems.append(f"{path}: keys {sorted(a)} != {sorted(b)}")
            return
        for k in a:
            inner = scale if k in SCALED_KEYS else factor
            _compare(a[k], b[k], f"{path}.{k}", problems, scale, inner)
        return
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            problems.append(f"{path}: lengths {len(a)} != {len(b)}")
            return
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _compare(x, y, f"{path}[{i}]", problems, scale, factor)
        return
    if isinstance(a, bool) or not isinstance(a, int | float) or not isinstance(b, int | float):
        if a != b:
            problems.append(f"{path}: {a!r} != {b!r}")
        return
    if b != pytest.approx(a * factor, rel=1e-9, abs=1e-12):
        problems.append(f"{path}: {a!r} (x {factor:g}) != {b!r}")


SECTIONS = ("items", "constructs", "groups", "reliability", "acceptance_tests", "group_tests")


@pytest.mark.parametrize("name", ["strat", "strat_clus", "weights_only", "lonely_clus"])
def test_scaling_the_weights_changes_no_estimate_se_or_test(data_files, name) -> None:
    """pw x 7.25: every estimate, SE, interval and test is the same; weighted counts and the
    sum of the weights scale."""
    run = next(r for r in RUNS if r["name"] == name)
    inst = load_instrument(INSTRUMENT)
    path = data_files["extended"]
    plain = analyze(path, inst, options(run, "stype")).to_dict()
    o = run["options"]
    scaled_opts = Options(
        where=tuple(as_list(o["where"])),
        weight="pw_scaled",
        strata=o["strata"],
        cluster=o["cluster"],
        lonely_psu=o["lonely_psu"],
        group="stype",
    )
    scaled = analyze(path, inst, scaled_opts).to_dict()
    problems: list[str] = []
    for section in SECTIONS:
        _compare(plain[section], scaled[section], section, problems, 7.25)
    _compare(
        plain["data"]["design"],
        scaled["data"]["design"] | {"weights": "pw"},
        "design",
        problems,
        7.25,
    )
    assert not problems, "\n".join(problems[:30])


def test_weights_of_one_give_the_unweighted_percentages_and_means(data_files) -> None:
    """--weight one (every weight 1, no strata, no clusters) against the run without a design:
    the same means, medians and percentages of every item and construct, overall and per
    group, and the same construct acceptance (respondents as clusters in both)."""
    inst = load_instrument(INSTRUMENT)
    path = data_files["extended"]
    where = ("design=clus1",)
    weighted = analyze(path, inst, Options(where=where, weight="one", group="stype")).to_dict()
    plain = analyze(path, inst, Options(where=where, group="stype")).to_dict()
    assert plain["data"]["design"] is None and weighted["data"]["design"]["sum_weights"] == 183
    item_keys = ("n", "n_weighted", "missing", "mean", "median", "counts", "pct_agree")
    item_keys += ("pct_neutral", "pct_disagree", "pct_favourable")
    construct_keys = ("n", "mean", "median", "answers", "pct_agree", "se_pct_agree")
    construct_keys += ("ci_pct_agree", "pct_neutral", "pct_disagree", "acceptance_range")
    pairs = [(weighted, plain)] + [
        (w, p) for w, p in zip(weighted["groups"], plain["groups"], strict=True)
    ]
    problems: list[str] = []
    for w, p in pairs:
        for a, b in zip(w["items"], p["items"], strict=True):
            for k in item_keys:
                _compare(a[k], b[k], f"{a['code']}.{k}", problems)
        for a, b in zip(w["constructs"], p["constructs"], strict=True):
            for k in construct_keys:
                _compare(a[k], b[k], f"{a['id']}.{k}", problems)
            agreeing = [x.get("respondents_agreeing") or {} for x in (a, b)]
            for k in ("count", "n", "pct"):  # se_pct: design-based against iid
                _compare(
                    agreeing[0].get(k),
                    agreeing[1].get(k),
                    f"{a['id']}.respondents_agreeing.{k}",
                    problems,
                )
    for a, b in zip(weighted["acceptance_tests"], plain["acceptance_tests"], strict=True):
        if a["target"] == "construct":
            for k in ("pct_agree", "se", "ci", "statistic", "df", "p_value"):
                _compare(a[k], b[k], f"test {a['id']}.{k}", problems)
    assert not problems, "\n".join(problems[:30])


# -- bad design input through the command line ------------------------------------------------

runner = CliRunner()


def _cli(tmp_path: Path, data: Path, *args: str):
    return runner.invoke(
        app,
        ["analyze", str(data), "-i", str(INSTRUMENT), "--out", str(tmp_path / "out"), *args],
    )


def _one_line_error(r) -> str:
    assert r.exit_code == ExitCode.BAD_INPUT, r.output
    assert "Traceback" not in r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def _strat_rows(tmp_path: Path, edit: Callable[[pd.DataFrame], None]) -> Path:
    """The apistrat rows of api.csv, as text, edited."""
    frame = pd.read_csv(API, dtype=str, keep_default_na=False)
    frame = frame[frame["design"] == "strat"].reset_index(drop=True)
    edit(frame)
    path = tmp_path / "strat.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("cells", "rows"),
    [
        ({4: ""}, "5"),  # missing
        ({0: "0", 9: "0.0"}, "1, 10"),  # zero
        ({2: "-44.21"}, "3"),  # negative
        ({6: "heavy", 7: "n/a"}, "7, 8"),  # not a number
    ],
    ids=["missing", "zero", "negative", "non-numeric"],
)
def test_bad_weights_exit_2_naming_file_column_and_rows(tmp_path, cells, rows) -> None:
    def edit(frame: pd.DataFrame) -> None:
        for row, value in cells.items():
            frame.loc[row, "pw"] = value

    path = _strat_rows(tmp_path, edit)
    line = _one_line_error(_cli(tmp_path, path, "--weight", "pw", "--strata", "stype"))
    assert "strat.csv" in line
    assert "'pw' (--weight)" in line
    assert f"data row(s) {rows};" in line
    assert f"{len(cells)} analysed row(s)" in line


def test_a_stratum_of_one_cluster_fails_by_default_naming_it(tmp_path) -> None:
    # lonely_clus: district 716 alone in stratum "solo"; R: svymean stops with
    # "Stratum (solo) has only one PSU at stage 1"
    r = _cli(
        tmp_path,
        API,
        "--where",
        "design=clus1",
        "--weight",
        "pw",
        "--strata",
        "lonely_stratum",
        "--cluster",
        "dnum",
    )
    line = _one_line_error(r)
    fail = by_key(
        json.loads((REFERENCE / "survey.json").read_text())["lonely_fail"], "design", "lonely_clus"
    )
    assert "Stratum (solo) has only one PSU" in fail["error"]
    assert "api.csv" in line and "'lonely_stratum' (--strata)" in line
    assert "stratum 'solo' has a single cluster" in line
    assert "--lonely-psu" in line
    # the rows named are district 716's schools (data rows of the whole file)
    frame = pd.read_csv(API, dtype=str, keep_default_na=False)
    solo = [str(i + 1) for i in frame.index[frame["lonely_stratum"] == "solo"]]
    assert f"data row(s) {', '.join(solo[:10])}" in line


def test_a_missing_strata_column_exits_2(tmp_path) -> None:
    line = _one_line_error(
        _cli(tmp_path, API, "--where", "design=strat", "--weight", "pw", "--strata", "region")
    )
    assert "api.csv" in line and "no column 'region' for --strata" in line
