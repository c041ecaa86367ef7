"""Where the tests' files are: the repository, fixtures, R reference data, the bad-input set."""

from pathlib import Path

TESTS = Path(__file__).parent
REPO = TESTS.parent
DATA = TESTS / "data"
REFERENCE = TESTS / "reference"
BAD = TESTS / "badinput"
