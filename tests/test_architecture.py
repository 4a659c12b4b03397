"""The house the code is: `marl_lightning/` drawn from its imports (`scripts/import_graph.py`) has no circle, and
the code around the learners keeps no list about them."""

from __future__ import annotations

import ast
import importlib.util

from helpers import ROOT

spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
import_graph = importlib.util.module_from_spec(spec)
spec.loader.exec_module(import_graph)


def test_marl_lightning_has_no_import_circle_and_no_import_back_up():
    graph = import_graph.import_graph("marl_lightning", ROOT)
    assert import_graph.circles(graph) == []
    assert len(import_graph.upward_imports(graph)) <= 2
    level = import_graph.levels(graph)
    # the corridor: learners see the batch, not the data module; loading sits above the learners it rebuilds
    assert "marl_lightning.data" not in graph["marl_lightning.learners.base"]
    assert level["marl_lightning.loading"] > level["marl_lightning.learners"] > level["marl_lightning.data.batch"]
    assert level["marl_lightning.acting"] < min(level["marl_lightning.policy"], level["marl_lightning.exploration"])


def test_the_drawing_finds_circles_imports_inside_functions_and_type_checking_imports(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\n")
    (package / "b.py").write_text("def f():\n    from . import c\n")
    (package / "c.py").write_text("from pkg.a import x\n")
    (package / "d.py").write_text("from .a import x\n")
    graph = import_graph.import_graph("pkg", tmp_path)
    assert graph["pkg.a"] == {"pkg.b"} and graph["pkg.b"] == {"pkg.c"} and graph["pkg.c"] == {"pkg.a"}
    assert import_graph.circles(graph) == [["pkg.a", "pkg.b", "pkg.c"]]
    assert len(import_graph.upward_imports(graph)) == 3 and import_graph.levels(graph)["pkg.d"] == 1


def test_no_module_outside_learners_imports_a_learner_class_by_name():
    """What a learner needs is read from its `spec`: no `getattr(learner, ...)` probe, no learner named elsewhere."""
    for path in sorted((ROOT / "marl_lightning").rglob("*.py")):
        if "learners" in path.parts:
            continue
        text = path.read_text()
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "getattr" and len(node.args) >= 2:
                name = ast.unparse(node.args[0])
                assert "learner" not in name and "lightning_module" not in name, f"{path.name}: {ast.unparse(node)}"
            if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith("learners"):
                named = {alias.name for alias in node.names}
                assert not named & {"ImitationModule", "MAPPOModule", "ValueDecompositionModule"} or path.name == "__init__.py", \
                    f"{path.name} names a learner class"
