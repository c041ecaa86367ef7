"""The committed sample data in data/: regenerable byte for byte, and as data/README.md describes.

Plain pandas on purpose: these tests pin the inputs, not the package's pipeline.
"""

from __future__ import annotations

import importlib.util
import sys
import tomllib

import pandas as pd
import pytest

from tests.paths import REPO

DATA = REPO / "data"
DTCAF_CSV = DATA / "dtcaf-sample.csv"
DTCAF_WAVE2_CSV = DATA / "dtcaf-sample-wave2.csv"
SENIOR_CSV = DATA / "ipss-senior-managers-sample.csv"


def _load_make_samples():
    spec = importlib.util.spec_from_file_location("make_samples", DATA / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def make_samples():
    return _load_make_samples()


@pytest.fixture(scope="module")
def dtcaf() -> pd.DataFrame:
    # As text: empty cells stay "", so every oddity is visible as written.
    return pd.read_csv(DTCAF_CSV, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def senior() -> pd.DataFrame:
    return pd.read_csv(SENIOR_CSV)


# The senior-manager sample's last column holds the open-ended answers to CON_OPEN; the rated
# items are the columns between municipality and it. The column was added after the others and
# leaves them as they were: the byte test below pins the file, the published-figure tests its
# numbers.
OPEN_COLUMN = "CON_OPEN"


# --- regeneration ---------------------------------------------------------------------------


def test_dtcaf_sample_regenerates_byte_identically(make_samples, tmp_path):
    written = make_samples.write_dtcaf_sample(tmp_path / "dtcaf.csv")
    assert written.read_bytes() == DTCAF_CSV.read_bytes()


def test_senior_managers_sample_regenerates_byte_identically(make_samples, tmp_path):
    written = make_samples.write_senior_managers_sample(tmp_path / "senior.csv")
    assert written.read_bytes() == SENIOR_CSV.read_bytes()


def test_dtcaf_second_wave_regenerates_byte_identically(make_samples, tmp_path):
    written = make_samples.write_dtcaf_wave2_sample(tmp_path / "wave2.csv")
    assert written.read_bytes() == DTCAF_WAVE2_CSV.read_bytes()


def test_main_writes_every_file(make_samples, tmp_path):
    written = make_samples.main(tmp_path)
    assert sorted(p.name for p in written) == sorted(
        [DTCAF_CSV.name, DTCAF_WAVE2_CSV.name, SENIOR_CSV.name]
    )


def test_dtcaf_second_wave_follows_the_baseline():
    """Most officials answer again (same ids), some leave, some are new; same columns."""
    base = pd.read_csv(DTCAF_CSV, dtype=str)
    wave2 = pd.read_csv(DTCAF_WAVE2_CSV, dtype=str)
    assert list(wave2.columns) == list(base.columns)
    again = set(wave2["respondent_id"]) & set(base["respondent_id"])
    new = {i for i in wave2["respondent_id"] if i.startswith("N")}
    assert 0.75 * base["respondent_id"].nunique() < len(again) < base["respondent_id"].nunique()
    assert len(new) == 40 and wave2["respondent_id"].is_unique
    assert set(wave2["ministry"]) == set(base["ministry"])


BUILTIN_SAMPLES = [
    "cgr-performance",
    "smart-governance",
    "collaborative-pa",
    "dt-social-value",
    "isdip",
    "un-cepa",
]


@pytest.fixture(scope="module")
def make_builtin_samples():
    spec = importlib.util.spec_from_file_location(
        "make_builtin_samples", DATA / "make_builtin_samples.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


@pytest.mark.parametrize("iid", BUILTIN_SAMPLES)
def test_builtin_sample_regenerates_byte_identically(make_builtin_samples, tmp_path, iid):
    written = make_builtin_samples.write_sample(iid, tmp_path / "sample.csv")
    assert written.read_bytes() == (DATA / f"{iid}-sample.csv").read_bytes()


def test_builtin_samples_main_writes_every_file(make_builtin_samples, tmp_path):
    written = make_builtin_samples.main(tmp_path)
    assert [p.name for p in written] == [f"{iid}-sample.csv" for iid in BUILTIN_SAMPLES]


@pytest.mark.parametrize("iid", BUILTIN_SAMPLES)
def test_builtin_sample_layout(iid):
    """An id column, a group column, then answers: codes 1-5, 9 (don't know), on un-cepa 8
    (not applicable), a few empty cells; ids unique; several groups of several cases."""
    frame = pd.read_csv(DATA / f"{iid}-sample.csv", dtype=str, keep_default_na=False)
    ident, group = frame.columns[:2]
    assert frame[ident].is_unique
    sizes = frame[group].value_counts()
    assert len(sizes) >= 6 and sizes.min() >= 6
    rated = [c for c in frame.columns[2:] if c[-2:].isdigit()]
    cells = frame[rated].to_numpy().ravel()
    allowed = {"", "1", "2", "3", "4", "5", "9"} | ({"8"} if iid == "un-cepa" else set())
    assert set(cells) <= allowed
    assert 0.003 < (cells == "").mean() < 0.03
    assert (cells == "9").sum() >= 2


# --- senior-manager sample: the published figures of Uys & Jessa ----------------------------

# (item, agreement codes, published whole percent, where it is published)
PUBLISHED = [
    ("SUP01", [4, 5], 88, "section 5: transformative change supported by executive leadership"),
    ("SUP02", [4, 5], 82, "section 6: PV by network stakeholder teams"),
    ("SUP03", [4, 5], 95, "section 6: capacity building for consensus building"),
    ("SUP04", [4, 5], 83, "section 6: participatory budgeting"),
    ("EXT01", [1], 70, "section 6: work with external stakeholders (Yes)"),
    ("COL01", [2], 53, "section 6: 'some' understanding of collaboration"),
    ("CON08", [4, 5], 92, "section 6: political interference debilitating"),
]
ELEMENTS = [f"ELE{i:02d}" for i in range(1, 9)]
MEASURES = [f"PER{i:02d}" for i in range(1, 10)]


def _pct(column: pd.Series, codes) -> float:
    valid = column.dropna()
    return 100 * valid.isin(codes).sum() / len(valid)


@pytest.mark.parametrize(("item", "codes", "published", "where"), PUBLISHED)
def test_published_percentage_reproduced(senior, item, codes, published, where):
    """Uys & Jessa, sections 5 and 6: each figure comes out exactly after rounding."""
    assert senior[item].notna().all(), f"{item} must be answered by all 66 ({where})"
    assert round(_pct(senior[item], codes)) == published, where


def test_elements_span_71_to_86_percent(senior):
    """Uys & Jessa section 6: 71%-86% support for each of the eight IPSS/PV elements."""
    pcts = [round(_pct(senior[c], [4, 5])) for c in ELEMENTS]
    assert senior[ELEMENTS].notna().all().all()
    assert all(71 <= p <= 86 for p in pcts)
    assert min(pcts) == 71
    assert max(pcts) == 86
    counts = senior[ELEMENTS].isin([4, 5]).sum()
    assert counts.min() == 47
    assert counts.max() == 57


def test_performance_measures_span_95_to_100_percent(senior):
    """Uys & Jessa section 6: 95%-100% support for each IPSS performance measure."""
    pcts = [round(_pct(senior[c], [4, 5])) for c in MEASURES]
    assert senior[MEASURES].notna().all().all()
    assert all(95 <= p <= 100 for p in pcts)
    assert min(pcts) == 95
    assert max(pcts) == 100
    counts = senior[MEASURES].isin([4, 5]).sum()
    assert counts.min() == 63
    assert counts.max() == 66


def test_senior_managers_layout(senior):
    assert list(senior.columns[:2]) == ["respondent_id", "municipality"]
    assert list(senior.columns[2:]) == (
        [f"SUP{i:02d}" for i in range(1, 5)]
        + ["EXT01", "COL01"]
        + ELEMENTS
        + MEASURES
        + [f"CON{i:02d}" for i in range(1, 9)]
        + [OPEN_COLUMN]
    )
    assert len(senior) == 66
    assert senior["respondent_id"].is_unique
    sizes = senior["municipality"].value_counts()
    assert len(sizes) == 15
    assert sorted(sizes.value_counts().to_dict().items()) == [(4, 9), (5, 6)]


def test_senior_managers_codes_in_scale(senior):
    items = senior.columns[2:-1]
    # Integers as written: no "4.0" anywhere in the file.
    assert ".0," not in SENIOR_CSV.read_text(encoding="utf-8")
    for item in items:
        values = set(senior[item].dropna().astype(int))
        allowed = {"EXT01": {0, 1}, "COL01": {1, 2, 3}}.get(item, {1, 2, 3, 4, 5})
        if item in {"CON01", "CON02", "CON03", "CON04", "CON05", "CON06", "CON07"}:
            allowed = allowed | {9}
        assert values <= allowed, item


def test_senior_managers_missing_only_on_unpublished_constraints(senior):
    items = senior.columns[2:-1]
    missing = senior[items].isna() | (senior[items] == 9)
    rows, cols = missing.to_numpy().nonzero()
    cells = {(int(r) + 1, items[c]) for r, c in zip(rows, cols, strict=True)}
    assert cells == {(23, "CON04"), (40, "CON02"), (51, "CON06")}
    assert senior.loc[40 - 1, "CON02"] == 9  # row 40 holds "no answer"; the other two are empty


def test_senior_managers_open_answers(make_samples):
    """Synthetic answers to CON_OPEN: 47 of the 66 managers answered, each answer once."""
    # As text: pandas would read the answer "n/a" as a missing value.
    answers = pd.read_csv(SENIOR_CSV, dtype=str, keep_default_na=False)[OPEN_COLUMN]
    given = answers[answers != ""]
    assert len(given) == len(make_samples.CONSTRAINT_ANSWERS) == 47
    assert sorted(given) == sorted(make_samples.CONSTRAINT_ANSWERS)
    assert (answers == "").sum() == 19


# --- DTCAF sample -----------------------------------------------------------------------------

DTCAF_ITEMS = [
    f"{dim}{i:02d}"
    for dim, k in [("LEA", 11), ("STR", 15), ("GOV", 19), ("LEG", 25), ("TEC", 17), ("PWD", 7)]
    for i in range(1, k + 1)
]
# The deliberate oddities documented in data/README.md: (1-based data row, item, cell).
DTCAF_ODD_CELLS = {
    (17, "GOV07", "9"),
    (58, "STR03", "7"),
    (104, "LEG14", "9"),
    (237, "TEC05", "9"),
    (302, "PWD02", "6"),
}
EMPTY_ROW, EMPTY_ID = 164, "R0163"
DUPLICATE_ROW, ORIGINAL_ROW, DUPLICATE_ID = 122, 88, "R0088"


def test_dtcaf_layout(dtcaf):
    assert len(DTCAF_ITEMS) == 94
    assert list(dtcaf.columns) == ["respondent_id", "ministry", *DTCAF_ITEMS]
    assert len(dtcaf) == 345


def test_dtcaf_ministries(dtcaf):
    sizes = dtcaf["ministry"].value_counts()  # as the file has them: duplicate and empty rows too
    assert len(sizes) == 12
    assert sizes.between(20, 40).all()
    assert sizes.nunique() > 5  # sizes vary
    assert all(name.startswith("Ministry of ") for name in sizes.index)


def test_dtcaf_values_in_scale_except_documented_oddities(dtcaf):
    cells = dtcaf[DTCAF_ITEMS]
    odd = cells.where(~cells.isin(["", "1", "2", "3", "4", "5"]))
    found = {
        (int(r) + 1, DTCAF_ITEMS[c], odd.iat[r, c])
        for r, c in zip(*odd.notna().to_numpy().nonzero(), strict=True)
    }
    assert found == DTCAF_ODD_CELLS


def test_dtcaf_empty_respondent(dtcaf):
    row = dtcaf.iloc[EMPTY_ROW - 1]
    assert row["respondent_id"] == EMPTY_ID
    assert (row[DTCAF_ITEMS] == "").all()
    blank_rows = (dtcaf[DTCAF_ITEMS] == "").all(axis=1)
    assert blank_rows.sum() == 1


def test_dtcaf_duplicate_submission(dtcaf):
    dup = dtcaf["respondent_id"].duplicated(keep=False)
    assert list(dtcaf.index[dup] + 1) == [ORIGINAL_ROW, DUPLICATE_ROW]
    first, again = dtcaf.iloc[ORIGINAL_ROW - 1], dtcaf.iloc[DUPLICATE_ROW - 1]
    assert first["respondent_id"] == DUPLICATE_ID
    assert again.equals(first.rename(again.name))  # an identical repeated submission


def test_dtcaf_empty_cells_about_two_percent(dtcaf):
    answered_rows = dtcaf.drop(index=EMPTY_ROW - 1)
    share = (answered_rows[DTCAF_ITEMS] == "").to_numpy().mean()
    assert 0.015 < share < 0.03


def test_dtcaf_dimension_means_realistic(dtcaf):
    values = dtcaf[DTCAF_ITEMS].apply(pd.to_numeric, errors="coerce")
    values = values.where((values >= 1) & (values <= 5))
    means = pd.Series(
        {
            dim: values.filter(regex=f"^{dim}").stack().mean()
            for dim in ("LEA", "STR", "GOV", "LEG", "TEC", "PWD")
        }
    )
    assert means.between(2.6, 4.0).all()
    assert means.max() - means.min() > 0.8  # dimensions differ in maturity


def test_every_built_in_has_a_sample_that_the_wheel_ships():
    """Each built-in instrument's sample is in data/ and in the wheel's force-include table
    (installed as ipss_survey/sample_data/<id>-sample.csv, where sample_path looks first)."""
    ids = sorted(
        p.name[: -len(".yaml")] for p in (REPO / "ipss_survey/instrument/builtins").glob("*.yaml")
    )
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    expected = {
        f"data/{iid}-sample.csv": f"ipss_survey/sample_data/{iid}-sample.csv" for iid in ids
    }
    expected["data/dtcaf-sample-wave2.csv"] = "ipss_survey/sample_data/dtcaf-sample-wave2.csv"
    assert shipped == expected
    assert sorted(p.name for p in DATA.glob("*-sample.csv")) == [f"{i}-sample.csv" for i in ids]
