"""Make the two SYNTHETIC sample data sets shipped in ``data/``.

Run from the repository root::

    python data/make_samples.py

It (re)writes, byte-identically on every run:

``data/dtcaf-sample.csv``
    A simulated UN DESA DTCAF self-assessment: 12 ministries, 20-40 respondents each, the 94
    DTCAF items (LEA01..PWD07) on the 1-5 agreement scale. Answers come from a latent factor model
    (a general digital-capability factor, one factor per dimension, a small factor per
    sub-dimension, item difficulties, ministry maturity effects) cut into five categories, so the
    sample behaves like real survey data: dimensions differ in maturity, ministries differ, items
    within a dimension are reliable but not redundant. A few deliberate oddities (empty cells,
    "no answer" codes, out-of-range codes, an empty respondent, a repeated submission) exercise
    the pipeline's warnings and row ledger; ``data/README.md`` lists them.

``data/ipss-senior-managers-sample.csv``
    A RECONSTRUCTION, not the real data (which are not public), of the Western Cape senior-manager
    survey of Uys & Jessa (sections 5 and 6): 66 synthetic managers in 15 municipalities whose
    answers reproduce every published percentage exactly after rounding to a whole percent. Within
    those fixed marginal counts, codes are handed out by ranking respondents on a latent score
    (a general reform-support factor, a construct factor, a municipality effect and noise), so
    answers correlate within constructs and municipalities differ.

Why: the package needs realistic, shareable inputs for its examples, documentation, benchmarks
and end-to-end tests. Both files are generated, never hand-edited: edit this script and rerun it.
Determinism: numpy ``default_rng`` with the fixed seeds below, no clock, no network; the item
codes and their order are read from the instrument files in ``ipss_survey/instrument/builtins/``.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np
import yaml

REPO = Path(__file__).resolve().parent.parent
INSTRUMENTS = REPO / "ipss_survey" / "instrument" / "builtins"
DATA = Path(__file__).resolve().parent

DTCAF_FILE = "dtcaf-sample.csv"
SENIOR_MANAGERS_FILE = "ipss-senior-managers-sample.csv"

EMPTY = -1  # internal marker for an empty cell

# --------------------------------------------------------------------------------------------
# DTCAF sample
# --------------------------------------------------------------------------------------------

DTCAF_SEED = 20201022  # the date of the Rabinovitch DTCAF slides (Namibia, 22 October 2020)

# (ministry, maturity offset on the latent 1-5 scale, unique respondents).
# The repeated submission adds one more row to its ministry (see DUPLICATE_OF).
MINISTRIES = [
    ("Ministry of Finance", 0.45, 34),
    ("Ministry of Information and Communication Technology", 0.60, 27),
    ("Ministry of Health", 0.05, 38),
    ("Ministry of Education", -0.10, 36),
    ("Ministry of Home Affairs", 0.25, 24),
    ("Ministry of Justice", -0.05, 22),
    ("Ministry of Agriculture", -0.40, 31),
    ("Ministry of Labour", -0.20, 21),
    ("Ministry of Works and Transport", -0.25, 29),
    ("Ministry of Trade and Industry", 0.20, 26),
    ("Ministry of Environment", -0.45, 23),
    ("Ministry of Urban and Rural Development", -0.30, 33),
]

# Latent dimension means (before the ministry effects): several maturity bands appear.
DIMENSION_MEANS = {"LEA": 3.90, "STR": 3.35, "GOV": 3.15, "LEG": 2.75, "TEC": 3.55, "PWD": 3.00}
# Unique (item-specific) SD per dimension: longer dimensions get noisier items, so that
# Cronbach's alpha stays in a realistic 0.75-0.92 rather than climbing with the item count.
DIMENSION_NOISE = {"LEA": 0.75, "STR": 0.85, "GOV": 0.95, "LEG": 1.05, "TEC": 0.90, "PWD": 0.70}
LOADING_GENERAL = 0.40
LOADING_DIMENSION = 0.35
LOADING_SUBDIMENSION = 0.20
SD_MINISTRY_BY_DIMENSION = 0.15  # ministries' profiles differ from dimension to dimension
SD_ITEM_DIFFICULTY = 0.20
THRESHOLDS = (1.5, 2.5, 3.5, 4.5)  # latent score -> codes 1..5
P_EMPTY = 0.02  # share of item cells left empty at random

# Deliberate oddities, located by respondent id (rows are listed in data/README.md).
EMPTY_RESPONDENT = "R0163"  # answered nothing: all 94 item cells empty
DUPLICATE_OF = "R0088"  # submitted twice: an identical copy of this row ...
DUPLICATE_AFTER = "R0121"  # ... appears again right after this respondent's row
NO_ANSWER_CELLS = [("R0017", "GOV07"), ("R0104", "LEG14"), ("R0236", "TEC05")]  # code 9
OUT_OF_RANGE_CELLS = [("R0058", "STR03", 7), ("R0301", "PWD02", 6)]


def instrument_structure(instrument_id: str) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """Return ``[(dimension, [(subdimension, [item codes])])]`` in instrument order."""
    with open(INSTRUMENTS / f"{instrument_id}.yaml", encoding="utf-8") as fh:
        spec = yaml.safe_load(fh)

    def codes(items: list) -> list[str]:
        return [item if isinstance(item, str) else item["code"] for item in items]

    structure = []
    for dim in spec["dimensions"]:
        if "subdimensions" in dim:
            subs = [(sub["id"], codes(sub["items"])) for sub in dim["subdimensions"]]
        else:
            subs = [(dim["id"], codes(dim["items"]))]
        structure.append((dim["id"], subs))
    return structure


def item_codes(instrument_id: str) -> list[str]:
    """All item codes of an instrument, in instrument order."""
    return [
        code
        for _, subs in instrument_structure(instrument_id)
        for _, items in subs
        for code in items
    ]


def _format(value: int) -> str:
    return "" if value == EMPTY else str(int(value))


class _DtcafLatent(NamedTuple):
    """The simulated respondents of the DTCAF sample before their answers are cut."""

    codes: list[str]
    ids: list[str]
    ministry: np.ndarray
    latent: np.ndarray  # respondents x items, on the 1-5 scale
    dim_of_item: np.ndarray
    noise: np.ndarray  # per item: the unique SD
    dim_ids: list[str]


def _dtcaf_latent(rng: np.random.Generator) -> _DtcafLatent:
    structure = instrument_structure("dtcaf")
    codes = [c for _, subs in structure for _, items in subs for c in items]
    dim_of_item = np.array(
        [d for d, (_, subs) in enumerate(structure) for _, items in subs for _ in items]
    )
    sub_of_item = np.array(
        [
            s
            for s, items in enumerate([items for _, subs in structure for _, items in subs])
            for _ in items
        ]
    )
    dim_ids = [d for d, _ in structure]
    n_dims, n_subs, n_items = len(structure), int(sub_of_item.max()) + 1, len(codes)

    # Submission order: respondents of all ministries interleave, as in a real export.
    sizes = [size for _, _, size in MINISTRIES]
    ministry = rng.permutation(np.repeat(np.arange(len(MINISTRIES)), sizes))
    n = len(ministry)
    ids = [f"R{i + 1:04d}" for i in range(n)]

    offset = np.array([off for _, off, _ in MINISTRIES])
    ministry_by_dim = rng.normal(0.0, SD_MINISTRY_BY_DIMENSION, (len(MINISTRIES), n_dims))
    difficulty = rng.normal(0.0, SD_ITEM_DIFFICULTY, n_items)
    general = rng.standard_normal(n)
    dimension = rng.standard_normal((n, n_dims))
    subdimension = rng.standard_normal((n, n_subs))
    unique = rng.standard_normal((n, n_items))

    mean = np.array([DIMENSION_MEANS[d] for d in dim_ids])[dim_of_item]
    noise = np.array([DIMENSION_NOISE[d] for d in dim_ids])[dim_of_item]
    latent = (
        mean[None, :]
        + offset[ministry][:, None]
        + ministry_by_dim[ministry][:, dim_of_item]
        + difficulty[None, :]
        + LOADING_GENERAL * general[:, None]
        + LOADING_DIMENSION * dimension[:, dim_of_item]
        + LOADING_SUBDIMENSION * subdimension[:, sub_of_item]
        + noise[None, :] * unique
    )
    return _DtcafLatent(codes, ids, ministry, latent, dim_of_item, noise, dim_ids)


def _cut(latent: np.ndarray) -> np.ndarray:
    return 1 + (latent[:, :, None] > np.array(THRESHOLDS)).sum(axis=2)


def dtcaf_rows() -> tuple[list[str], list[list[str]]]:
    """Simulate the DTCAF sample; return the header and the data rows as strings."""
    rng = np.random.default_rng(DTCAF_SEED)
    sim = _dtcaf_latent(rng)
    codes, ids, ministry = sim.codes, sim.ids, sim.ministry
    n, n_items = sim.latent.shape
    values = _cut(sim.latent)
    values[rng.random((n, n_items)) < P_EMPTY] = EMPTY

    row_of = {rid: i for i, rid in enumerate(ids)}
    col_of = {code: j for j, code in enumerate(codes)}
    values[row_of[EMPTY_RESPONDENT], :] = EMPTY
    for rid, code in NO_ANSWER_CELLS:
        values[row_of[rid], col_of[code]] = 9
    for rid, code, value in OUT_OF_RANGE_CELLS:
        values[row_of[rid], col_of[code]] = value

    rows = [
        [rid, MINISTRIES[m][0], *map(_format, vals)]
        for rid, m, vals in zip(ids, ministry, values, strict=True)
    ]
    rows.insert(row_of[DUPLICATE_AFTER] + 1, list(rows[row_of[DUPLICATE_OF]]))
    return ["respondent_id", "ministry", *codes], rows


# The follow-up wave, two years on: most officials answer again (matched by respondent id),
# some have left, some are new; a reform raised technology and strategy most, governance a
# little, and left the legal framework where it was.
DTCAF_WAVE2_FILE = "dtcaf-sample-wave2.csv"
DTCAF_WAVE2_SEED = 20221022  # two years after the baseline
WAVE2_GAIN = {"LEA": 0.10, "STR": 0.35, "GOV": 0.15, "LEG": 0.00, "TEC": 0.45, "PWD": 0.20}
WAVE2_STAY = 0.85  # share of the baseline's officials who answer again
WAVE2_NEW = 40  # officials new in the follow-up
SD_CHANGE = 0.30  # how much one official's view moves beyond the reform's effect


def dtcaf_wave2_rows() -> tuple[list[str], list[list[str]]]:
    """The follow-up wave of the DTCAF sample: the baseline's simulated officials (those who
    stay) with the reform's gain, their own change and fresh item noise, plus new officials
    drawn as the baseline's were."""
    sim = _dtcaf_latent(np.random.default_rng(DTCAF_SEED))
    rng = np.random.default_rng(DTCAF_WAVE2_SEED)
    n, n_items = sim.latent.shape
    gain = np.array([WAVE2_GAIN[d] for d in sim.dim_ids])[sim.dim_of_item]
    stay = rng.random(n) < WAVE2_STAY
    change = rng.normal(0.0, SD_CHANGE, n)
    fresh = rng.standard_normal((n, n_items))
    latent = (
        sim.latent
        + gain[None, :]
        + change[:, None]
        + 0.5 * sim.noise[None, :] * fresh  # the same official answers a little differently
    )
    newcomers = _dtcaf_latent(np.random.default_rng(DTCAF_WAVE2_SEED + 1))
    take = rng.choice(newcomers.latent.shape[0], size=WAVE2_NEW, replace=False)
    latent = np.vstack([latent[stay], newcomers.latent[take] + gain[None, :]])
    ids = [rid for rid, keep in zip(sim.ids, stay, strict=True) if keep]
    ids += [f"N{i + 1:04d}" for i in range(WAVE2_NEW)]
    ministry = np.concatenate([sim.ministry[stay], newcomers.ministry[take]])
    values = _cut(latent)
    values[rng.random(values.shape) < P_EMPTY] = EMPTY
    order = rng.permutation(len(ids))  # a new export: a new submission order
    rows = [[ids[i], MINISTRIES[ministry[i]][0], *map(_format, values[i])] for i in order.tolist()]
    return ["respondent_id", "ministry", *sim.codes], rows


# --------------------------------------------------------------------------------------------
# IPSS senior-manager sample (reconstructed from Uys & Jessa, sections 5 and 6)
# --------------------------------------------------------------------------------------------

SENIOR_MANAGERS_SEED = 20171101  # the survey ran July-November 2017
N_MANAGERS = 66

# 15 Western Cape municipalities as labels (the paper does not name the participating ones):
# six with 5 respondents and nine with 4 (6*5 + 9*4 = 66).
MUNICIPALITIES = [
    ("Cape Town", 5),
    ("Drakenstein", 5),
    ("Stellenbosch", 5),
    ("George", 5),
    ("Breede Valley", 5),
    ("Mossel Bay", 5),
    ("Swartland", 4),
    ("Saldanha Bay", 4),
    ("Overstrand", 4),
    ("Knysna", 4),
    ("Oudtshoorn", 4),
    ("Theewaterskloof", 4),
    ("Witzenberg", 4),
    ("Bitou", 4),
    ("Cape Agulhas", 4),
]

# Agreement counts (codes 4-5) out of 66. Published figures (Uys & Jessa): SUP01 88% (section 5);
# SUP02 82%, SUP03 95%, SUP04 83%, ELE 71%-86%, PER 95%-100%, CON08 92% (section 6).
AGREE_COUNTS = {
    "SUP01": 58,
    "SUP02": 54,
    "SUP03": 63,
    "SUP04": 55,
    "ELE01": 51,
    "ELE02": 57,
    "ELE03": 49,
    "ELE04": 53,
    "ELE05": 55,
    "ELE06": 56,
    "ELE07": 47,
    "ELE08": 50,
    "PER01": 65,
    "PER02": 66,
    "PER03": 66,
    "PER04": 64,
    "PER05": 63,
    "PER06": 64,
    "PER07": 65,
    "PER08": 66,
    "PER09": 63,
    "CON08": 61,
    # Not published (section 5 reports these constraint areas from open answers only):
    # synthetic, mostly agreeing that the constraint exists; counts out of the valid answers.
    "CON01": 52,
    "CON02": 48,
    "CON03": 57,
    "CON04": 54,
    "CON05": 50,
    "CON06": 52,
    "CON07": 46,
}
EXT_YES = 46  # EXT01: 70% work with external stakeholders (section 6)
COL_COUNTS = {1: 12, 2: 35, 3: 19}  # COL01: 53% 'some' understanding (section 6); 1, 3 synthetic

# Share of agreement given as 5 (Strongly Agree), by construct (each item varies it by <= 0.08).
STRONG_SHARE = {"SUP": 0.45, "ELE": 0.40, "PER": 0.55, "CON": 0.40}
# Split of non-agreement into 3 / 2 / 1 (neutral, disagree, strongly disagree).
NON_AGREE_SHARE = (0.55, 0.35, 0.10)

# Missing answers, only on the unpublished constraint items: (respondent, item, cell value).
SENIOR_MANAGER_MISSING = [
    ("SM023", "CON04", EMPTY),
    ("SM051", "CON06", EMPTY),
    ("SM040", "CON02", 9),
]

# Open-ended answers to CON_OPEN ("what constrains integrated public service delivery ...?").
# Section 5 of the paper summarises these answers and quotes none, so every answer below is
# invented: short, as managers write them in a survey, some naming several constraints, some
# none of the codebook's themes (staff shortages, land, gangs, one in Afrikaans, "n/a"). Their
# own random stream (``SENIOR_MANAGERS_TEXT_SEED``) hands them to respondents after every other
# column is made, so the other columns are exactly as they were before the question was added;
# the managers not given one leave the question empty.
SENIOR_MANAGERS_TEXT_SEED = 20171130
CONSTRAINT_ANSWERS = [
    "Political interference in housing allocations. Councillors want to decide who gets a house.",
    "Silo mentality. Housing, IDP and community services each plan on their own.",
    "No budget for training and our staff lack the skills to engage communities.",
    "Our website is outdated and residents cannot log complaints online.",
    "Too much red tape and compliance reporting to province.",
    "Trust between the community and the municipality is very low after the service delivery "
    "protests.",
    "Only the director may meet with ward committees, so we cannot talk to stakeholders directly.",
    "Vacant posts. We are three people doing the work of eight.",
    "Lack of capacity",
    "The IDP does not reflect what communities actually need; public participation is a "
    "box-ticking exercise.",
    "Monitoring and evaluation is done per department and nobody looks at outcomes for the "
    "community.",
    "Resistance to change from senior management. They want to keep the status quo.",
    "Unfunded mandates from national and provincial government.",
    "Land availability and bulk infrastructure (water, sewer) hold back every housing project.",
    "Departments do not share information and there is no coordination between housing and "
    "community services.",
    "Politicians change priorities after every election",
    "We need training in collaboration and in working with NGOs.",
    "No comment",
    "Hierarchy. Decisions take months because everything must go through the MM's office.",
    "Poor internet connectivity at our satellite offices and at the Thusong centre.",
    "Community leaders are not trusted by officials, and the feeling is mutual.",
    "Feedback to residents on project progress is almost non-existent.",
    "Gang violence in some areas makes it unsafe for staff to do site visits.",
    "Our performance management system counts houses built, not quality of life.",
    "Lack of political will and too much interference from councillors in operational matters.",
    "Illegal occupation of land and housing projects being hijacked.",
    "Working in silos, poor communication between departments, duplication of work.",
    "Limited budget",
    "There is no platform where stakeholders and the municipality can meet regularly.",
    "Partnerships with private developers are not encouraged by council.",
    "Corruption in the allocation of houses undermines everything we do.",
    "Public value is not understood; everything is about numbers delivered.",
    "We are not allowed to speak to the media or to community organisations.",
    "Outdated IT systems and no link between the housing database and the billing system.",
    "Staff shortages and high workload, no time for community engagement.",
    "Community expectations are unrealistic and the waiting list keeps growing.",
    "Councillors use projects for their own political agenda and this creates mistrust in the "
    "community.",
    "Cooperation with provincial departments is difficult; each has its own priorities.",
    "Too many meetings, too little action.",
    "Lack of skilled project managers and little exposure to new ways of working.",
    "The municipality works top-down. Residents are consulted only after decisions are made.",
    "n/a",
    "No KPIs for collaboration, so it is never rewarded.",
    "Social cohesion in our communities is weak and well-being is not on the agenda.",
    "Implementation of new ideas is slow because of procurement rules.",
    "Budget cuts after unauthorised expenditure; training was the first thing to go.",
    "Te veel politieke inmenging en te min personeel.",
]


def constraint_answers(n: int) -> list[str]:
    """The CON_OPEN cell of each of ``n`` managers: an answer each for some, empty for the rest."""
    rng = np.random.default_rng(SENIOR_MANAGERS_TEXT_SEED)
    answering = np.sort(rng.choice(n, size=len(CONSTRAINT_ANSWERS), replace=False))
    order = rng.permutation(len(CONSTRAINT_ANSWERS))
    cells = [""] * n
    for row, k in zip(answering.tolist(), order.tolist(), strict=True):
        cells[row] = CONSTRAINT_ANSWERS[k]
    return cells


def _likert_from_ranks(score: np.ndarray, agree: int, strong_share: float) -> np.ndarray:
    """Codes 1-5 with exactly ``agree`` answers in 4-5, handed out by descending ``score``."""
    n = len(score)
    n5 = round(strong_share * agree)
    rest = n - agree
    n1 = round(NON_AGREE_SHARE[2] * rest)
    n2 = round(NON_AGREE_SHARE[1] * rest)
    n3 = rest - n1 - n2
    by_rank = np.repeat([5, 4, 3, 2, 1], [n5, agree - n5, n3, n2, n1])
    out = np.empty(n, dtype=int)
    out[np.argsort(-score, kind="stable")] = by_rank
    return out


def senior_manager_rows() -> tuple[list[str], list[list[str]]]:
    """Reconstruct the senior-manager sample; return the header and the data rows as strings."""
    rng = np.random.default_rng(SENIOR_MANAGERS_SEED)
    codes = item_codes("ipss-senior-managers")
    names = [name for name, _ in MUNICIPALITIES]
    muni = np.repeat(np.arange(len(MUNICIPALITIES)), [size for _, size in MUNICIPALITIES])
    if len(muni) != N_MANAGERS:
        raise ValueError(f"MUNICIPALITIES sizes add up to {len(muni)}, not {N_MANAGERS}")
    ids = [f"SM{i + 1:03d}" for i in range(N_MANAGERS)]

    # Municipality climate: support for reform, and how constrained managers find their work.
    muni_support = rng.normal(0.0, 0.45, len(names))
    muni_constraint = rng.normal(0.0, 0.5, len(names))
    general = rng.standard_normal(N_MANAGERS)  # a manager's general reform orientation
    construct = {c: rng.standard_normal(N_MANAGERS) for c in ("SUP", "ELE", "PER", "COL", "CON")}

    def score(construct_id: str) -> np.ndarray:
        noise = rng.standard_normal(N_MANAGERS)
        if construct_id == "CON":
            return muni_constraint[muni] + 0.2 * general + 0.6 * construct["CON"] + 0.9 * noise
        factor = construct["COL" if construct_id == "EXT" else construct_id]
        return muni_support[muni] + 0.55 * general + 0.45 * factor + 0.9 * noise

    row_of = {rid: i for i, rid in enumerate(ids)}
    missing = {}
    for rid, code, value in SENIOR_MANAGER_MISSING:
        missing.setdefault(code, []).append((row_of[rid], value))

    columns = {}
    for code in codes:
        prefix = code[:3]
        s = score(prefix)
        if code == "EXT01":
            col = np.zeros(N_MANAGERS, dtype=int)
            col[np.argsort(-s, kind="stable")[:EXT_YES]] = 1
        elif code == "COL01":
            col = np.empty(N_MANAGERS, dtype=int)
            col[np.argsort(-s, kind="stable")] = np.repeat(
                [3, 2, 1], [COL_COUNTS[3], COL_COUNTS[2], COL_COUNTS[1]]
            )
        else:
            strong = STRONG_SHARE[prefix] + rng.uniform(-0.08, 0.08)
            if code == "CON08":
                strong = 0.55  # political interference: felt strongly
            col = np.full(N_MANAGERS, EMPTY, dtype=int)
            valid = np.ones(N_MANAGERS, dtype=bool)
            for row, _ in missing.get(code, []):
                valid[row] = False
            col[valid] = _likert_from_ranks(s[valid], AGREE_COUNTS[code], strong)
            for row, value in missing.get(code, []):
                col[row] = value
        columns[code] = col

    answers = constraint_answers(N_MANAGERS)
    rows = [
        [rid, names[m], *(_format(columns[c][i]) for c in codes), answers[i]]
        for i, (rid, m) in enumerate(zip(ids, muni, strict=True))
    ]
    return ["respondent_id", "municipality", *codes, "CON_OPEN"], rows


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write UTF-8 CSV with ``\\n`` line ends (the same bytes on every platform)."""
    path = Path(path)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_dtcaf_sample(path: Path) -> Path:
    """Write the synthetic DTCAF sample to ``path``."""
    return write_csv(path, *dtcaf_rows())


def write_dtcaf_wave2_sample(path: Path) -> Path:
    return write_csv(path, *dtcaf_wave2_rows())


def write_senior_managers_sample(path: Path) -> Path:
    """Write the reconstructed senior-manager sample to ``path``."""
    return write_csv(path, *senior_manager_rows())


def main(out_dir: Path = DATA) -> list[Path]:
    """Write both samples into ``out_dir`` (default: this script's folder)."""
    out_dir = Path(out_dir)
    return [
        write_dtcaf_sample(out_dir / DTCAF_FILE),
        write_dtcaf_wave2_sample(out_dir / DTCAF_WAVE2_FILE),
        write_senior_managers_sample(out_dir / SENIOR_MANAGERS_FILE),
    ]


if __name__ == "__main__":
    for written in main(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA):
        print(f"wrote {written}")
