"""The package's layout: data flows one way, and the import graph says so.

Every import of a package module is an edge, imports inside functions included (they hide
cycles otherwise). The graph must have no cycle; each part of the package may import only
from the parts before it in the flow; no module imports another's underscore names; and an
import inside a function is either a heavy library (kept off the start-up path so
``ipss-survey --help`` answers at once) or one of the CLI's lazy imports of the package.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.paths import REPO

PACKAGE = REPO / "ipss_survey"

# The flow, first to last: a part may import from its own modules and from earlier parts.
LAYERS: list[set[str]] = [
    {"ipss_survey", "ipss_survey.errors", "ipss_survey.jsonform", "ipss_survey.yamltext"},
    {"ipss_survey.stats"},
    {"ipss_survey.warnings"},
    {"ipss_survey.instrument"},
    {"ipss_survey.fielding"},
    {"ipss_survey.read"},
    {"ipss_survey.coding"},
    {"ipss_survey.scoring"},
    {"ipss_survey.results", "ipss_survey.results_v1", "ipss_survey.comparison"},
    {"ipss_survey.pipeline"},
    {"ipss_survey.report"},
    {"ipss_survey.study"},
    {"ipss_survey.cli"},
    {"ipss_survey.__main__"},
]
# Libraries that take a noticeable time to import: only these may be imported in a function.
HEAVY = {
    "matplotlib",
    "openpyxl",
    "pandas",
    "PIL",
    "pyarrow",
    "pyreadstat",
    "rich",
    "scipy",
    "statsmodels",
    "yaml",
}


@dataclass(frozen=True)
class Import:
    source: str  # importing module
    target: str  # imported package module, or the third-party module's top name
    names: tuple[str, ...]
    in_function: bool
    line: int


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _resolve(module: str, source: str, level: int, is_package: bool) -> str:
    if not level:
        return module
    base = source.split(".") if is_package else source.split(".")[:-1]
    base = base[: len(base) - level + 1]
    return ".".join(base + ([module] if module else []))


def _imports(name: str, path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for n in ast.walk(node)
    }
    in_function = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for n in ast.walk(node)
    }
    out = []
    for node in ast.walk(tree):
        if id(node) in typing_only or not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Import):
            targets = [(a.name, ()) for a in node.names]
        else:
            base = _resolve(node.module or "", name, node.level, path.name == "__init__.py")
            names = tuple(a.name for a in node.names)
            # "from ipss_survey.report import atomic" imports the module ipss_survey.report.atomic
            modules = [f"{base}.{n}" for n in names if f"{base}.{n}" in MODULES]
            targets = [(m, ()) for m in modules] or [(base, names)]
        for target, names in targets:
            out.append(Import(name, target, names, id(node) in in_function, node.lineno))
    return out


IMPORTS = [imp for name, path in MODULES.items() for imp in _imports(name, path)]


def _package_module(target: str) -> str | None:
    while target and target not in MODULES:
        target = target.rpartition(".")[0]
    return target or None


def _layer(module: str) -> int:
    for i, layer in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in layer if p != "ipss_survey"):
            return i
    assert module == "ipss_survey", f"{module} belongs to no layer of the flow"
    return 0


def _edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    for imp in IMPORTS:
        target = _package_module(imp.target)
        if target and target != imp.source:
            edges[imp.source].add(target)
    return edges


def _related(a: str, b: str) -> bool:
    """A package and its own modules (an __init__ re-exporting them) are not a cycle."""
    return a.startswith(b + ".") or b.startswith(a + ".")


def test_every_module_belongs_to_a_layer():
    for module in MODULES:
        _layer(module)


def test_the_import_graph_has_no_cycle():
    edges = _edges()
    cycles = []

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            here = todo.pop()
            for nxt in edges[here]:
                if nxt == goal:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    for module, targets in edges.items():
        for target in targets:
            if not _related(module, target) and reaches(target, module):
                cycles.append(f"{module} -> {target}")
    assert cycles == []


def test_each_part_imports_only_from_the_parts_before_it():
    wrong = []
    for imp in IMPORTS:
        target = _package_module(imp.target)
        if target is None or _related(imp.source, target):
            continue
        if _layer(target) > _layer(imp.source):
            wrong.append(f"{imp.source}:{imp.line} imports {target}, which comes later")
    assert wrong == []


def test_stats_imports_nothing_of_the_package_but_stats():
    wrong = [
        f"{imp.source}:{imp.line} imports {imp.target}"
        for imp in IMPORTS
        if imp.source.startswith("ipss_survey.stats")
        and (target := _package_module(imp.target))
        and not target.startswith("ipss_survey.stats")
    ]
    assert wrong == []


def test_no_module_imports_another_modules_private_names():
    private = [
        f"{imp.source}:{imp.line} imports {n} from {imp.target}"
        for imp in IMPORTS
        if _package_module(imp.target) not in (None, imp.source)
        for n in imp.names
        if n.startswith("_") and not n.startswith("__")
    ]
    assert private == []


# Modules on a quick command's path (``--help``, ``instruments list``, opening a built-in
# instrument) that load the package's heavier modules only where they are used.
LIGHT_ENTRY_POINTS = {
    "ipss_survey.cli",
    "ipss_survey.instrument.builtin",
    "ipss_survey.instrument.catalogue",
}


def test_imports_inside_functions_are_heavy_libraries_or_the_clis_lazy_imports():
    wrong = []
    for imp in IMPORTS:
        if not imp.in_function:
            continue
        top = imp.target.split(".")[0]
        lazy_own = imp.source in LIGHT_ENTRY_POINTS and top == "ipss_survey"
        lazy_cli = imp.source == "ipss_survey.cli" and imp.target == "traceback"  # --debug only
        if top not in HEAVY and not lazy_own and not lazy_cli:
            wrong.append(f"{imp.source}:{imp.line} imports {imp.target} inside a function")
    assert wrong == []


@pytest.mark.parametrize("module", ["typer"])
def test_only_the_cli_imports_typer(module):
    users = {imp.source for imp in IMPORTS if imp.target.split(".")[0] == module}
    assert users == {"ipss_survey.cli"}
