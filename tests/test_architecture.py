"""The package's imports follow `shopsense.architecture.LAYERS` and form no cycle.

Every `import` and `from ... import` counts, at module level, inside functions and under
`TYPE_CHECKING`, and so does a string that names a module (`"shopsense.x.y:Class"`, how
registries import lazily): a lower layer may not even name a higher one.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import shopsense
from shopsense.architecture import LAYERS, tier

SRC = Path(shopsense.__file__).parent
MODULE_STRING = re.compile(r"shopsense(\.\w+)+(:\w+)?")
LAYER_NAMES = {name for names in LAYERS for name in names}


def _modules() -> dict[str, Path]:
    modules = {}
    for path in SRC.rglob("*.py"):
        parts = ["shopsense", *path.relative_to(SRC).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _imports(name: str, path: Path) -> set[str]:
    """Modules and names `name` imports or names in a module string (relative ones resolved)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # A module path such as "shopsense.ranking.fusion:FusionRetriever" (a file name
            # such as "shopsense.duckdb" names no layer and is no import).
            if MODULE_STRING.fullmatch(node.value) and node.value.split(".")[1] in LAYER_NAMES:
                found.add(node.value.split(":")[0])
    return {target for target in found if target.startswith("shopsense")}


def _resolve(target: str, modules: dict[str, Path]) -> str | None:
    """The module a dotted import target lands in (`pkg.mod.Name` -> `pkg.mod`)."""
    while target and target not in modules:
        target = target.rpartition(".")[0]
    return target or None


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        for target in _imports(name, path):
            if target == "shopsense.__version__":
                continue  # the version string of the package's face, not an upward import
            module = _resolve(target, modules)
            if module and module != name:
                edges.add(module)
        graph[name] = edges
    return graph


def _layered(name: str) -> bool:
    """Whether a module belongs to a layer (the root package is the public face, on top)."""
    return name != "shopsense"


def test_every_package_is_in_a_layer() -> None:
    for name in _graph():
        if _layered(name):
            tier(name)  # raises for an undeclared package


def test_no_import_goes_up_or_sideways() -> None:
    wrong = []
    for name, targets in _graph().items():
        if not _layered(name):
            continue
        for target in targets:
            if not _layered(target):
                wrong.append(f"{name} imports the package face `shopsense`")
            elif (tier(target) > tier(name)) or (
                tier(target) == tier(name) and target.split(".")[1] != name.split(".")[1]
            ):
                wrong.append(f"{name} -> {target}")
    assert not wrong, "imports against shopsense.architecture.LAYERS:\n" + "\n".join(sorted(wrong))


def test_no_import_cycles() -> None:
    graph = _graph()
    cycles = [component for component in _strongly_connected(graph) if len(component) > 1]
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(sorted(c)) for c in cycles)


def test_the_checks_see_imports_inside_functions_and_module_strings(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        "def late():\n    from shopsense.serving import app\n"
        "NAMES = {'x': 'shopsense.ranking.fusion:FusionRetriever'}\n"
    )
    assert _imports("shopsense.data.sample", source) == {
        "shopsense.serving.app",
        "shopsense.ranking.fusion",
    }


@pytest.mark.parametrize("lower, upper", [("data", "serving"), ("retrieval", "ranking")])
def test_the_declared_order_puts_foundations_below(lower: str, upper: str) -> None:
    names = [name for names in LAYERS for name in names]
    assert names.index(lower) < names.index(upper)


def _strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            components.append(component)

    for node in graph:
        if node not in index:
            visit(node)
    return components
