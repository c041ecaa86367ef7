"""How names and labels in a data file are matched to an instrument: the two matching keys.

A column matches an item code ignoring case and all spaces; a cell matches a scale label
ignoring case, smart quotes and runs of spaces. Group labels are not normalised (they are
shown as the file spells them).
"""

from __future__ import annotations


def normalise_column(name: str) -> str:
    """Column matching key: case and all whitespace ignored."""
    return "".join(str(name).split()).casefold()


_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
    }
)


def normalise_label(text: str) -> str:
    """Label matching key: case, smart quotes and runs of spaces ignored."""
    return " ".join(str(text).translate(_QUOTES).split()).casefold()
