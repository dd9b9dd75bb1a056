"""The shipped package's imports, read from its source (every import: top-level, in functions,
under TYPE_CHECKING, and ``__import__``/``import_module`` of a literal): no cycles, and the client
imports nothing from the CLI, the board or the repository's tooling."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "python_client" / "src" / "clubbooking"
CLIENT_ROOTS = ("clubbooking", "clubbooking.client")  # what `from clubbooking import BookingClient` loads
NOT_FOR_THE_CLIENT = ("clubbooking.cli", "clubbooking.board")  # and nothing of clubbooking_dev


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imported_by(name: str) -> set[str]:
    """The modules ``name`` imports (ours by module, others by their top-level name)."""
    found: set[str] = set()

    def add(target: str) -> None:
        found.add(target if target in MODULES or not target.startswith("clubbooking.") else target.rsplit(".", 1)[0])

    for node in ast.walk(ast.parse(MODULES[name].read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names} & set(MODULES)
            found |= submodules
            if len(submodules) < len(node.names):
                add(node.module)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)
              and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("__import__", "import_module")
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            add(node.args[0].value)
    return found - {name}


GRAPH = {name: imported_by(name) for name in MODULES}


def reachable(start: str) -> set[str]:
    """What importing ``start`` loads (through ours; ``clubbooking``, the package's ``__init__``, is
    not followed as a target: any ``from clubbooking.x import`` has loaded it before)."""
    seen, todo = set(), [start]
    while todo:
        for target in GRAPH.get(todo.pop(), set()) - {"clubbooking"}:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_the_graph_sees_the_package() -> None:
    assert {"clubbooking.client", "clubbooking.watch", "clubbooking.cli", "clubbooking.board"} <= set(MODULES)
    assert "clubbooking.board" in GRAPH["clubbooking.cli"]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_import_cycles(name: str) -> None:
    """No module of the package reaches itself through its imports."""
    cycle = {target for target in GRAPH[name] - {"clubbooking"} if name in reachable(target)}
    assert not cycle, f"{name} and {sorted(cycle)} import each other"


def test_the_client_imports_nothing_from_the_cli_the_board_or_dev_tooling() -> None:
    loaded = set(CLIENT_ROOTS).union(*(reachable(root) for root in CLIENT_ROOTS))
    assert "clubbooking.watch" in loaded
    assert not [m for m in loaded if m.split(".")[0] == "clubbooking_dev" or m in NOT_FOR_THE_CLIENT]


def test_nothing_shipped_imports_the_repository_tooling() -> None:
    assert not [name for name, targets in GRAPH.items() if any(t.startswith("clubbooking_dev") for t in targets)]
