"""Make the SYNTHETIC samples of the built-in instruments that ``make_samples.py`` does not make.

Run from the repository root::

    python data/make_builtin_samples.py

It (re)writes, byte-identically on every run, one ``data/<id>-sample.csv`` for each of
``cgr-performance``, ``smart-governance``, ``collaborative-pa``, ``dt-social-value``, ``isdip``
and ``un-cepa``. None holds real answers: the sources publish frameworks, not data.

Every rated answer comes from a latent factor model cut into the scale's five codes at 1.5,
2.5, 3.5 and 4.5: a construct mean, a group effect (a regime, an agency, a province, a
local government, a department, an institution) and a group-by-dimension profile, item
difficulties, a respondent's general factor, a factor per dimension and per sub-dimension, and
item noise. So dimensions differ in level, groups differ, and a construct's items hang
together without repeating one another. A reverse-keyed item is simulated on its favourable
side and then recoded (``6 - code``), so agreeing with it is the unfavourable answer, as the
instrument keys it. About 1% of answers are left empty at random, and a few respondents answer
an item with the scale's "don't know" code (9); on ``un-cepa`` some answer "not applicable"
(8) where a strategy does not fit their institution (fiscal federalism, registries).
``collaborative-pa`` holds one row per collaboration project, with its answers to the
questions that are not rated (categorical, multi-select as space-separated option codes, as
KoboToolbox writes them, and a short open answer), drawn from a project's collaboration
model so that most projects fit the social-innovation or the administrative-innovation model
and some mix them.

Determinism: numpy ``default_rng`` with the fixed seed of each sample below, no clock, no
network; item codes, their order, reverse keying and the questions' options are read from the
instrument files in ``ipss_survey/instrument/builtins/``. ``data/README.md`` describes the files.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parent.parent
INSTRUMENTS = REPO / "ipss_survey" / "instrument" / "builtins"
DATA = Path(__file__).resolve().parent

EMPTY = -1  # internal marker for an empty cell
THRESHOLDS = (1.5, 2.5, 3.5, 4.5)  # latent score -> codes 1..5
P_EMPTY = 0.01  # share of rated answers left empty at random
LOADING_GENERAL = 0.35
LOADING_DIMENSION = 0.35
LOADING_SUBDIMENSION = 0.35
SD_ITEM_DIFFICULTY = 0.2
SD_GROUP_BY_DIMENSION = 0.15
ITEM_NOISE = 0.6


@dataclass(frozen=True)
class Structure:
    """An instrument as the simulation needs it, in instrument order."""

    codes: list[str]
    dimension: list[str]  # per item
    subdimension: list[str]  # per item (the dimension's id when it has none)
    reverse: list[bool]
    questions: dict[str, dict]  # code -> the question's YAML mapping
    respondent_id: str


def read_structure(instrument_id: str) -> Structure:
    """Items (with their dimension, sub-dimension and keying) and questions of a built-in."""
    with open(INSTRUMENTS / f"{instrument_id}.yaml", encoding="utf-8") as fh:
        spec = yaml.safe_load(fh)
    codes, dims, subs, reverse = [], [], [], []

    def add(items: list, dim: str, sub: str) -> None:
        for item in items:
            entry = {"code": item} if isinstance(item, str) else item
            codes.append(entry["code"])
            dims.append(dim)
            subs.append(sub)
            reverse.append(bool(entry.get("reverse", False)))

    for dim in spec["dimensions"]:
        if "subdimensions" in dim:
            for sub in dim["subdimensions"]:
                add(sub["items"], dim["id"], sub["id"])
        else:
            add(dim["items"], dim["id"], dim["id"])
    questions = {q["code"]: q for q in spec.get("questions") or []}
    return Structure(codes, dims, subs, reverse, questions, spec["respondent_id"])


@dataclass
class Sample:
    """What one sample is made of; the means are on the latent 1-5 scale."""

    instrument: str
    seed: int
    group_column: str
    groups: list[tuple[str, float, int]]  # (label, offset, respondents)
    means: dict[str, float]  # per dimension, or per sub-dimension (which then wins)
    item_means: dict[str, float] = field(default_factory=dict)  # per item, wins over both
    id_prefix: str = "R"
    dont_know: list[tuple[str, str]] = field(default_factory=list)  # (respondent, item): 9
    not_applicable: dict[str, float] = field(default_factory=dict)  # item -> share answering 8

    @property
    def file(self) -> str:
        return f"{self.instrument}-sample.csv"


SAMPLES = [
    Sample(
        "cgr-performance",
        20150723,  # Emerson & Nabatchi (2015: 723), the page of the matrix
        "regime",
        [
            ("Cape Town informal settlement upgrading", 0.25, 26),
            ("Breede Valley water catchment forum", 0.10, 21),
            ("George Thusong centre network", -0.05, 19),
            ("Stellenbosch youth employment partnership", 0.35, 22),
            ("Overstrand coastal management forum", -0.20, 18),
            ("Drakenstein food security network", -0.35, 24),
        ],
        # Outputs are easier to reach than outcomes, and adaptation hardest of all (the source:
        # outcomes, adaptation and sustainability are barely measured in municipalities).
        {"L1": 3.75, "L2": 3.40, "L3": 3.00, "L2-cgr": 3.20, "L3-goals": 2.80},
        id_prefix="C",
        dont_know=[("C0007", "VIA03"), ("C0041", "LEG03"), ("C0088", "SUS03"), ("C0112", "EFC02")],
    ),
    Sample(
        "smart-governance",
        20231002,  # the paper was published on 2 October 2023
        "agency",
        [
            ("DPMPTSP (one-stop integrated service)", 0.45, 28),
            ("Diskominfo (communication and information)", 0.55, 22),
            ("Disdukcapil (population and civil registration)", 0.15, 25),
            ("Bappeda (regional development planning)", 0.00, 17),
            ("Health Office", -0.25, 24),
            ("Education Office", -0.35, 21),
            ("Public Works Office", -0.40, 19),
        ],
        {"COP": 3.30, "TEC": 3.55, "INN": 3.00, "ITG": 3.10, "ITG-capacity": 2.70},
        id_prefix="M",
        dont_know=[("M0019", "ITG07"), ("M0064", "COP08"), ("M0101", "ITG03")],
    ),
    Sample(
        "collaborative-pa",
        20240820,  # the webinar was held on 20 August 2024
        "province",
        [
            ("Chungcheongnam-do", 0.30, 10),
            ("Gyeonggi-do", 0.20, 9),
            ("Gangwon-do", -0.15, 7),
            ("Jeollanam-do", -0.05, 8),
            ("Gyeongsangbuk-do", -0.20, 8),
            ("Jeju", 0.10, 6),
            ("Chungcheongbuk-do", 0.00, 8),
            ("Jeollabuk-do", -0.25, 8),
        ],
        {"DIV": 3.70, "EFF": 3.90, "RES": 3.40, "INN": 3.50, "SUS": 3.05},
        id_prefix="P",
        dont_know=[("P0012", "SUS04"), ("P0047", "RES03")],
    ),
    Sample(
        "dt-social-value",
        20240821,
        "local_government",
        [
            ("Seongdong-gu", 0.40, 31),
            ("Suwon", 0.30, 28),
            ("Jeonju", 0.05, 24),
            ("Chuncheon", -0.10, 22),
            ("Gimhae", -0.20, 26),
            ("Cheonan", 0.10, 25),
            ("Siheung", 0.00, 20),
            ("Yeosu", -0.35, 23),
        ],
        {
            "DT-leadership": 3.35,
            "DT-manpower": 3.00,
            "DT-structure": 2.75,
            "SV": 2.90,
        },
        # The source's own "should" sentences draw wide agreement; practice lags behind them.
        item_means={"SV01": 4.10, "SV04": 3.80, "SV07": 4.30, "SV10": 4.20, "SV13": 4.25},
        id_prefix="L",
        dont_know=[("L0023", "SV05"), ("L0090", "SV11"), ("L0151", "OS05"), ("L0177", "SV04")],
    ),
    Sample(
        "isdip",
        20230401,
        "department",
        [
            ("Department of Home Affairs", 0.20, 27),
            ("Department of Social Development", 0.05, 24),
            ("Department of Health", -0.15, 29),
            ("Department of Basic Education", -0.05, 26),
            ("Department of Public Works and Infrastructure", -0.30, 20),
            ("Department of Cooperative Governance", 0.10, 18),
            ("Department of Employment and Labour", -0.10, 22),
            ("Department of Transport", 0.15, 17),
        ],
        # Reporting is the most fragmented domain (the source: reporting burdens on
        # departments); change management has barely begun.
        {"TSU": 3.00, "ADV": 3.35, "ALI": 2.90, "REP": 2.55, "CHM": 2.80},
        id_prefix="D",
        dont_know=[("D0015", "TSU03"), ("D0072", "ALI01"), ("D0133", "CHM04")],
    ),
    Sample(
        "un-cepa",
        20201023,
        "institution",
        [
            ("National Planning Commission", 0.30, 14),
            ("Office of the Prime Minister", 0.25, 12),
            ("Ministry of Finance", 0.40, 15),
            ("Ministry of Health and Social Services", -0.20, 13),
            ("Ministry of Urban and Rural Development", -0.15, 11),
            ("Ministry of Education, Arts and Culture", -0.25, 12),
            ("Ministry of Information and Communication Technology", 0.10, 10),
            ("Office of the Auditor-General", 0.35, 9),
            ("Anti-Corruption Commission", 0.05, 8),
            ("City of Windhoek", -0.30, 12),
        ],
        {
            "EFF-competence": 3.30,
            "EFF-policy": 3.00,
            "EFF-collaboration": 2.80,
            "ACC-integrity": 3.20,
            "ACC-transparency": 2.70,
            "ACC-oversight": 3.40,
            "INC-no-one-behind": 2.60,
            "INC-non-discrimination": 2.90,
            "INC-participation": 3.00,
            "INC-subsidiarity": 2.50,
            "INC-intergenerational": 2.40,
        },
        item_means={"S32": 1.90, "S33": 1.80, "S47": 4.10, "S49": 4.30},
        id_prefix="U",
        dont_know=[("U0009", "S14"), ("U0044", "S40"), ("U0078", "S60"), ("U0101", "S25")],
        not_applicable={"S54": 0.30, "S32": 0.10, "S33": 0.10},
    ),
]


def _format(value: int) -> str:
    return "" if value == EMPTY else str(int(value))


def rated_answers(
    sample: Sample, st: Structure, rng: np.random.Generator
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Respondent ids, group index per respondent, and the answer codes (rows x items)."""
    sizes = [size for _, _, size in sample.groups]
    group = rng.permutation(np.repeat(np.arange(len(sample.groups)), sizes))
    n, k = len(group), len(st.codes)
    ids = [f"{sample.id_prefix}{i + 1:04d}" for i in range(n)]
    dim_ids = list(dict.fromkeys(st.dimension))
    sub_ids = list(dict.fromkeys(st.subdimension))
    dim_of = np.array([dim_ids.index(d) for d in st.dimension])
    sub_of = np.array([sub_ids.index(s) for s in st.subdimension])
    mean = np.array(
        [
            sample.item_means.get(c, sample.means.get(s, sample.means.get(d, 3.0)))
            for c, d, s in zip(st.codes, st.dimension, st.subdimension, strict=True)
        ]
    )
    offset = np.array([off for _, off, _ in sample.groups])
    profile = rng.normal(0.0, SD_GROUP_BY_DIMENSION, (len(sample.groups), len(dim_ids)))
    difficulty = rng.normal(0.0, SD_ITEM_DIFFICULTY, k)
    general = rng.standard_normal(n)
    dimension = rng.standard_normal((n, len(dim_ids)))
    subdimension = rng.standard_normal((n, len(sub_ids)))
    unique = rng.standard_normal((n, k))
    latent = (
        mean[None, :]
        + offset[group][:, None]
        + profile[group][:, dim_of]
        + difficulty[None, :]
        + LOADING_GENERAL * general[:, None]
        + LOADING_DIMENSION * dimension[:, dim_of]
        + LOADING_SUBDIMENSION * subdimension[:, sub_of]
        + ITEM_NOISE * unique
    )
    values = 1 + (latent[:, :, None] > np.array(THRESHOLDS)).sum(axis=2)
    reverse = np.array(st.reverse)
    values[:, reverse] = 6 - values[:, reverse]
    values[rng.random((n, k)) < P_EMPTY] = EMPTY
    col_of = {c: j for j, c in enumerate(st.codes)}
    for code, share in sample.not_applicable.items():
        values[rng.random(n) < share, col_of[code]] = 8
    row_of = {rid: i for i, rid in enumerate(ids)}
    for rid, code in sample.dont_know:
        values[row_of[rid], col_of[code]] = 9
    return ids, group, values


# --------------------------------------------------------------------------------------------
# collaborative-pa: the questions that are not rated, from each project's collaboration model
# --------------------------------------------------------------------------------------------

MODELS = ("social", "administrative", "mixed")
MODEL_SHARES = (0.5, 0.3, 0.2)
TECHNOLOGIES = [
    "AI voice reporting through a navigation app",
    "GIS mapping of service requests",
    "IoT sensors on street lights",
    "big data analysis of welfare records",
    "mobile app for residents",
    "SNS-based online platform",
    "drones for site inspections",
    "CCTV with image recognition",
    "cloud-based shared workspace",
    "chatbot for civil complaints",
    "QR codes for booking public facilities",
    "real-time bus location data",
]
# Projects that left a question unanswered, so that some are unclassified: (project, question).
PROJECT_GAPS = [
    ("P0009", "TARGET"),
    ("P0031", "TARGET"),
    ("P0052", "DURATION"),
    ("P0058", "TARGET"),
]


def _pick(rng: np.random.Generator, p_first: float, first: str, second: str) -> str:
    return first if rng.random() < p_first else second


def project_answers(ids: list[str], st: Structure, rng: np.random.Generator) -> dict[str, list]:
    """Every question's cell for every project, in the order of ``ids``."""
    model = rng.choice(len(MODELS), size=len(ids), p=MODEL_SHARES)
    options = {code: [o["code"] for o in q.get("options", [])] for code, q in st.questions.items()}
    fields = options["FIELDS"]

    def cell(code: str, chosen: list[str]) -> str:
        """A multi-select answer: the chosen option codes, in the question's order."""
        return " ".join(o for o in options[code] if o in chosen)

    def some(choices: tuple[str, ...], chances: tuple[float, ...]) -> list[str]:
        return [c for c, q in zip(choices, chances, strict=True) if rng.random() < q]

    out: dict[str, list] = {code: [] for code in st.questions}
    for m in model.tolist():
        kind = MODELS[m]
        p = {"social": 0.93, "administrative": 0.07, "mixed": 0.5}[kind]
        target = _pick(rng, p, "external", "internal")
        participants = _pick(rng, p, "public-private", "public")
        p_long = {"social": 0.9, "administrative": 0.12, "mixed": 0.5}[kind]
        duration = _pick(rng, p_long, "mid-long", "short")
        if participants == "public-private":
            kinds = ("central-government", "private", "civil-society", "research")
            chosen = some(kinds, (0.4, 0.8, 0.5, 0.25))
            if not {"private", "civil-society"} & set(chosen):
                chosen.append("private")
        else:
            chosen = some(("central-government", "public-agency"), (0.6, 0.6)) or ["public-agency"]
        partners = ["local-government", *chosen]
        if kind == "administrative":
            service = _pick(rng, 0.85, "software", "both")
            picked = ["administrative-management"]
            if rng.random() < 0.4:
                picked.append(fields[int(rng.integers(7))])
            effect = _pick(rng, 0.8, "processes", "services")
        else:
            service = ("hardware", "software", "both")[int(rng.choice(3, p=(0.25, 0.45, 0.30)))]
            size = int(rng.choice([1, 2, 3], p=(0.45, 0.4, 0.15)))
            picked = [fields[j] for j in rng.choice(7, size=size, replace=False)]
            effect = _pick(rng, 0.85, "services", "processes")
        resources = ("budgets", "manpower", "information", "technologies")
        shares = some(resources, (0.7, 0.6, 0.85, 0.45)) or ["information"]
        tech = _pick(rng, 0.7, "yes", "no")
        what = TECHNOLOGIES[int(rng.integers(len(TECHNOLOGIES)))] if tech == "yes" else ""
        if tech == "yes" and rng.random() < 0.1:
            what = ""  # said yes, did not say what
        out["PARTICIPANTS"].append(participants)
        out["PARTNERS"].append(cell("PARTNERS", partners))
        out["SERVICE_TYPE"].append(service)
        out["FIELDS"].append(cell("FIELDS", picked))
        out["EFFECT"].append(effect)
        out["TARGET"].append(target)
        out["DURATION"].append(duration)
        out["RESOURCES"].append(cell("RESOURCES", shares))
        out["TECH"].append(tech)
        out["TECH_WHAT"].append(what)
        out["FUTURE_TECH"].append(_pick(rng, 0.8, "yes", "no"))
        # None of the three chosen leaves the cell empty, which reads as not answered.
        support = some(("legal-systems", "departments", "manpower"), (0.55, 0.6, 0.5))
        out["SUPPORT"].append(cell("SUPPORT", support))
    row_of = {rid: i for i, rid in enumerate(ids)}
    for rid, code in PROJECT_GAPS:
        out[code][row_of[rid]] = ""
    return out


def sample_rows(sample: Sample) -> tuple[list[str], list[list[str]]]:
    """Simulate one sample; return the header and the data rows as strings."""
    rng = np.random.default_rng(sample.seed)
    st = read_structure(sample.instrument)
    ids, group, values = rated_answers(sample, st, rng)
    questions = project_answers(ids, st, rng) if st.questions else {}
    header = [st.respondent_id, sample.group_column, *st.codes, *questions]
    rows = [
        [
            rid,
            sample.groups[g][0],
            *map(_format, vals),
            *(questions[code][i] for code in questions),
        ]
        for i, (rid, g, vals) in enumerate(zip(ids, group.tolist(), values, strict=True))
    ]
    return header, rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write UTF-8 CSV with ``\\n`` line ends (the same bytes on every platform)."""
    path = Path(path)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_sample(instrument_id: str, path: Path) -> Path:
    """Write the synthetic sample of one built-in instrument to ``path``."""
    sample = next(s for s in SAMPLES if s.instrument == instrument_id)
    return write_csv(path, *sample_rows(sample))


def main(out_dir: Path = DATA) -> list[Path]:
    """Write every sample into ``out_dir`` (default: this script's folder)."""
    out_dir = Path(out_dir)
    return [write_sample(s.instrument, out_dir / s.file) for s in SAMPLES]


if __name__ == "__main__":
    for written in main(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA):
        print(f"wrote {written}")
