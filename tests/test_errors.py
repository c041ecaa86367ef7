"""one_line: every message the CLI prints is one short line, whatever input it quotes."""

from __future__ import annotations

from ipss_survey.errors import LINE_LIMIT, QUOTE_LIMIT, one_line


def test_a_long_quoted_input_is_cut_to_a_few_dozen_characters():
    cells = ",".join(f"Q{i}" for i in range(20_000))
    line = one_line(f"data.csv: expected a mapping, found text {cells!r}; give an instrument")
    assert line == (
        "data.csv: expected a mapping, found text "
        f"'{cells[: QUOTE_LIMIT - 3]}...'; give an instrument"
    )


def test_apostrophes_in_words_neither_open_nor_close_a_quote():
    text = "scale.agree[0]: code 3 is not one of the scale's points; label 'Don't know' is taken"
    assert one_line(text) == text


def test_double_quotes_and_line_breaks():
    name = "Q\n" + "x" * 100
    line = one_line(f'column "{name}" is empty')
    assert line == f'column "Q\\n{"x" * (QUOTE_LIMIT - 5)}..." is empty'
    assert "\n" not in line


def test_a_long_message_keeps_its_start_and_its_advice():
    text = "f.csv: " + "word " * 1000 + "; pass --header-row 3"
    line = one_line(text)
    assert len(line) <= LINE_LIMIT
    assert line.startswith("f.csv: word word") and line.endswith("; pass --header-row 3")
    assert " ... " in line


def test_short_messages_are_unchanged():
    text = "mini.csv: no column 'region' to group by; columns are: id, team"
    assert one_line(text) == text


def test_many_unclosed_quotes_give_one_short_line():
    """150,000 characters of unclosed quotes (a regex with backtracking would never end)."""
    text = " 'a" * 50_000
    line = one_line(text)
    assert "\n" not in line and len(line) < 1_000
