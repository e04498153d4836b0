"""The import layering of docs/architecture.md, checked on the source (AST, no import).

- ``connectors`` never imports ``bridge``;
- ``bridge/`` holds packages only (besides ``__init__`` and ``__main__``);
- a ``bridge`` package imports only itself and the packages below it in ``LAYERS`` (so there is
  no import cycle between them);
- the engine, and whatever in ``bridge`` it imports, loads no database, HTTP or terminal library.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: ``bridge`` packages, top first: each may import the ones after it, never one before.
LAYERS = ("cli", "daemon", "sync", "present", "store", "engine", "clientfile")
#: What the pure engine may not load, directly or through the bridge modules it imports.
NOT_IN_ENGINE = ("sqlalchemy", "sqlmodel", "alembic", "requests", "rich", "typer",
                 "bridge.store", "bridge.sync", "bridge.cli", "bridge.daemon", "bridge.present")
MAX_LINES = 400


def modules(package: str) -> Iterator[tuple[str, Path]]:
    """(dotted name, path) of every module under the top-level ``package``."""
    base = ROOT / package
    for path in sorted(base.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def imported(name: str, path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in it (function bodies included), resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "bridge" and len(parts) > 1 and parts[1] in LAYERS else None


def test_connectors_never_import_bridge() -> None:
    offenders = [f"{name} imports {target}"
                 for name, path in modules("connectors")
                 for target in imported(name, path) if within(target, "bridge")]
    assert offenders == []


def test_bridge_holds_packages_only() -> None:
    flat = sorted(p.name for p in (ROOT / "bridge").glob("*.py")
                  if p.name not in ("__init__.py", "__main__.py"))
    assert flat == []
    packages = sorted(p.name for p in (ROOT / "bridge").iterdir()
                      if p.is_dir() and (p / "__init__.py").exists())
    assert sorted(LAYERS) == packages, "a new bridge package needs its place in LAYERS"


def test_bridge_packages_import_only_downwards() -> None:
    offenders: list[str] = []
    for name, path in modules("bridge"):
        own = layer_of(name)
        if own is None:
            continue
        for target in imported(name, path):
            other = layer_of(target)
            if other is not None and LAYERS.index(other) < LAYERS.index(own):
                offenders.append(f"{name} ({own}) imports {target} ({other})")
    assert sorted(set(offenders)) == []


def test_the_engine_loads_no_store_network_or_terminal_library() -> None:
    known = dict(modules("bridge"))
    seen: set[str] = set()
    todo = [name for name in known if within(name, "bridge.engine")]
    offenders: list[str] = []
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for target in imported(name, known[name]):
            if any(within(target, banned) for banned in NOT_IN_ENGINE):
                offenders.append(f"{name} imports {target}")
            if target in known and within(target, "bridge"):
                todo.append(target)
    assert sorted(offenders) == []


@pytest.mark.parametrize("package", ["bridge", "connectors"])
def test_no_module_is_over_the_size_limit(package: str) -> None:
    long = [f"{name}: {n} lines" for name, path in modules(package)
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert long == []


def test_the_checker_sees_a_downward_and_an_upward_import(tmp_path: Path) -> None:
    # the AST reading above must resolve relative and function-level imports, or it checks nothing
    module = tmp_path / "mod.py"
    module.write_text("from . import rows\n\ndef f():\n    from ..cli import app\n")
    found = imported("bridge.store.mod", module)
    assert "bridge.store.rows" in found and "bridge.cli.app" in found
    assert layer_of("bridge.cli.app") == "cli" and layer_of("bridge.store.rows") == "store"
