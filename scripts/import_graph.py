"""Draw `marl_lightning/` as a house: files are rooms, imports are arrows; print its levels, its circles and the
imports that run back up a level.

Every import counts: at module level, inside functions and under `TYPE_CHECKING`. `from pkg import name`
points at `pkg/__init__.py` unless `name` is a submodule (then at the submodule); a module's own package
`__init__` (which Python runs first) is not drawn, as it would make every file depend on every other.

A file's level is the longest chain of imports below it (leaves are level 0); files in one circle share
the level, and an import inside a circle that does not go down a level "runs back up".

    python scripts/import_graph.py            # the levels, the circles, the imports that run back up
    python scripts/import_graph.py --check    # exit 1 on a circle or more than --max-up imports back up
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, name: str, modules: set[str]) -> set[str]:
    """The package's own modules the file at `path` (module `name`) imports, anywhere in it."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # `import a.b.c` of a name inside a module
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(package: str = "marl_lightning", root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    paths = {module_name(path, root): path for path in sorted((root / package).rglob("*.py"))}
    return {name: imports_of(path, name, set(paths)) for name, path in paths.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one file (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def levels(graph: dict[str, set[str]]) -> dict[str, int]:
    """Longest chain of imports below each file, a circle counted as one room."""
    room = {name: name for name in graph}
    for component in circles(graph):
        for member in component:
            room[member] = component[0]
    below: dict[str, set[str]] = {}
    for name, targets in graph.items():
        below.setdefault(room[name], set()).update(room[t] for t in targets if room[t] != room[name])
    level: dict[str, int] = {}

    def depth(node: str) -> int:
        if node not in level:
            level[node] = 0
            level[node] = 1 + max((depth(child) for child in below.get(node, ())), default=-1)
        return level[node]

    return {name: depth(room[name]) for name in graph}


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Imports that do not go down a level: those inside a circle."""
    level = levels(graph)
    return sorted((name, target) for name, targets in graph.items() for target in targets if level[target] >= level[name])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package", default="marl_lightning")
    parser.add_argument("--check", action="store_true", help="exit 1 on a circle or too many imports back up")
    parser.add_argument("--max-up", type=int, default=2)
    args = parser.parse_args(argv)
    graph = import_graph(args.package)
    level = levels(graph)
    for depth in range(max(level.values()) + 1):
        print(f"level {depth}: " + " ".join(sorted(name.removeprefix(args.package + ".") for name in graph if level[name] == depth)))
    found, up = circles(graph), upward_imports(graph)
    for component in found:
        print(f"circle of {len(component)}: " + " ".join(component))
    for name, target in up:
        print(f"back up: {name} -> {target}")
    print(f"{len(graph)} files on {max(level.values()) + 1} levels, {len(found)} circles, {len(up)} imports back up")
    return int(args.check and (bool(found) or len(up) > args.max_up))


if __name__ == "__main__":
    sys.exit(main())
