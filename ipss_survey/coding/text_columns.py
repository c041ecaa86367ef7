"""Id and group columns as text, worked out once per distinct value.

A million respondents' ids or groups hold far fewer distinct cell values than rows; each
value is made text once (value labels applied, spaces stripped, 1.0 shown as 1), and equal
texts from different cells share one number, so duplicates are found by number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ipss_survey.instrument import normalise_label


def text_value(
    value: Any, labels: dict[Any, str] | None, missing: UserMissing | None = None
) -> str | None:
    """A group or id cell as text (value labels applied), None when empty or declared missing
    (an SPSS/Stata user-missing value is no group and no id)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if missing is not None and missing.holds(value):
        return None
    if labels and value in labels:
        return str(labels[value]).strip() or None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    s = str(value).strip()
    return s or None


@dataclass
class TextColumn:
    """An id or group column as text, held per distinct value: ``texts[idx]`` is row by row.

    ``key`` numbers the distinct texts (-1 for no text), so that equal texts from different
    cells (' p1' and 'p1', or 1 and 1.0 in Excel) share one number.
    """

    idx: np.ndarray  # per row: position in ``texts``; -1 (the last slot) for an empty cell
    texts: np.ndarray  # object: the text of each distinct cell value, None when empty
    key: np.ndarray  # per slot of ``texts``: number of the text, -1 for None

    def rows(self, which: np.ndarray | None = None) -> np.ndarray:
        return self.texts[self.idx if which is None else self.idx[which]]

    def keys(self) -> np.ndarray:
        return self.key[self.idx]

    @classmethod
    def empty(cls, n: int) -> TextColumn:
        """A column of n empty cells (no id column in the file)."""
        return cls(
            np.full(n, -1, dtype=np.int8),
            np.array([None], dtype=object),
            np.array([-1], dtype=np.int64),
        )


@dataclass(frozen=True)
class UserMissing:
    """A statistical file's declared missing values of one column: values and ranges."""

    values: frozenset[Any] = frozenset()
    ranges: tuple[tuple[float, float], ...] = ()

    def holds(self, value: Any) -> bool:
        if value in self.values:
            return True
        if isinstance(value, int | float | np.integer | np.floating) and not isinstance(
            value, bool
        ):
            return any(lo <= float(value) <= hi for lo, hi in self.ranges)
        return False

    def __bool__(self) -> bool:
        return bool(self.values or self.ranges)


def text_column(
    values: Any, labels: dict[Any, str] | None, missing: UserMissing | None = None
) -> TextColumn:
    """A whole id or group column as text (None when empty or declared missing), worked out
    once per distinct value."""
    import pandas as pd

    idx, uniques = factorize(values)
    texts = np.empty(len(uniques) + 1, dtype=object)
    plain = bool(
        not labels and not missing and len(uniques) and pd.api.types.is_string_dtype(uniques)
    )
    if plain:
        # Text cells (CSV, Excel text): a million distinct ids stay fast.
        stripped = texts[:-1]
        if _no_outer_space(values):
            stripped[:] = uniques
        else:
            stripped[:] = [u.strip() for u in uniques]
        # Distinct cells stay distinct texts unless stripping changed one.
        plain = bool(np.equal(stripped, uniques).all())
        stripped[np.equal(stripped, "")] = None
    else:
        texts[:-1] = [text_value(u, labels, missing) for u in uniques]
    texts[-1] = None
    if plain:
        key = np.arange(len(texts), dtype=np.int64)
        key[np.equal(texts, None)] = -1
    else:
        key = np.asarray(pd.factorize(texts, use_na_sentinel=True)[0], dtype=np.int64)
    return TextColumn(np.asarray(idx), texts, key)


# The characters str.strip() removes (those for which str.isspace() is true; the tests check
# this list against Python's), as a regular-expression class for Arrow.
PY_SPACES = (
    (0x09, 0x0D),
    (0x1C, 0x20),
    (0x85, 0x85),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
)
_SPACES = "".join(f"\\x{{{lo:x}}}-\\x{{{hi:x}}}" for lo, hi in PY_SPACES)
_OUTER_SPACE = f"^[{_SPACES}]|[{_SPACES}]$"


def _no_outer_space(values: Any) -> bool:
    """Whether ``values`` is Arrow text (a CSV column of many distinct texts) none of whose
    cells starts or ends with a space that ``str.strip`` would remove: one pass in Arrow
    instead of a million calls of ``strip``. False for other columns (they are stripped)."""
    import pandas as pd

    dtype = getattr(values, "dtype", None)
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return False
    import pyarrow as pa
    import pyarrow.compute as pc

    spaced = pc.match_substring_regex(pa.array(values.array), _OUTER_SPACE)
    return not pc.any(spaced).as_py()


def factorize(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Codes per cell (-1 for NA) and the distinct values, whatever the column's dtype."""
    import pandas as pd

    dtype = getattr(values, "dtype", None)
    if isinstance(dtype, pd.CategoricalDtype):
        cats = values.cat.categories
        return np.asarray(values.cat.codes), cats.to_numpy(dtype=object)
    if isinstance(dtype, pd.StringDtype):  # Arrow text (a CSV column of many distinct texts)
        # Made Python text once; the distinct values are then those very strings, where
        # factorizing the Arrow text would make a second copy of each.
        values = values.to_numpy(dtype=object)
    idx, uniques = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(idx), np.asarray(uniques, dtype=object)


def narrow(idx: np.ndarray, n_values: int) -> np.ndarray:
    """Cell-value numbers in the smallest integer type (pandas gives 8 bytes a cell)."""
    for dtype in (np.int8, np.int16, np.int32):
        if n_values < np.iinfo(dtype).max:
            return idx.astype(dtype, copy=False)
    return idx


def merge_spellings(
    column: TextColumn, canonical: dict[str, str] | None = None
) -> tuple[TextColumn, list[tuple[str, list[str]]]]:
    """Group labels that differ only in case or spaces as one label: the first spelling met
    in the data (or ``canonical``'s label for a key, a categorical question's option label).

    Returns the merged column and, for each label that absorbed other spellings, those
    spellings, so a warning can say which were merged.
    """
    first: dict[str, str] = {}
    merged: dict[str, list[str]] = {}
    slots, first_row = np.unique(column.idx, return_index=True)
    new_texts = column.texts.copy()
    for slot in slots[np.argsort(first_row)].tolist():  # in the order the data first has them
        text = column.texts[slot]
        if text is None:
            continue
        key = normalise_label(text)
        label = (canonical or {}).get(key) or first.setdefault(key, text)
        if text != label:
            merged.setdefault(label, [])
            if text not in merged[label]:
                merged[label].append(text)
        new_texts[slot] = label
    if not merged:
        return column, []
    import pandas as pd

    key = np.asarray(pd.factorize(new_texts, use_na_sentinel=True)[0], dtype=np.int64)
    return TextColumn(column.idx, new_texts, key), sorted(merged.items())
