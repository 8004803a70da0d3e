"""ARCHITECTURE.md: services take a typed ``actor: Actor`` (never ``Any``), and mypy covers them."""

import ast
import glob
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lienrx"


def domain_modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def functions(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def names_any(annotation: ast.expr | None) -> bool:
    """Whether the annotation is missing or mentions ``Any`` (``Any``, ``Any | None``, ...)."""
    if annotation is None:
        return True
    return any(isinstance(n, ast.Name) and n.id == "Any"
               or isinstance(n, ast.Attribute) and n.attr == "Any"
               for n in ast.walk(annotation))


def untyped_actors(paths) -> list[str]:
    found = []
    for path in paths:
        for func in functions(path):
            args = func.args
            for arg in args.posonlyargs + args.args + args.kwonlyargs:
                if arg.arg == "actor" and names_any(arg.annotation):
                    shown = ast.unparse(arg.annotation) if arg.annotation else "no annotation"
                    found.append(f"{path.relative_to(ROOT)}:{func.lineno} {func.name}"
                                 f"(actor: {shown})")
    return found


def test_no_service_takes_an_untyped_actor():
    services = sorted(PACKAGE.glob("*/services.py"))
    assert len(services) > 10  # the glob finds the domains' services
    assert untyped_actors(services) == []


def test_no_domain_function_takes_an_untyped_actor():
    assert untyped_actors(domain_modules()) == []


def test_roles_are_read_through_the_actor_protocol_not_getattr():
    found = []
    for path in domain_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "getattr" and node.args
                    and isinstance(node.args[0], ast.Name) and node.args[0].id == "actor"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_mypy_checks_core_the_ledger_and_every_service():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    checked: set[Path] = set()
    for entry in config["files"]:
        for match in glob.glob(str(ROOT / entry)):
            path = Path(match)
            checked |= set(path.rglob("*.py")) if path.is_dir() else {path}
    wanted = {*PACKAGE.glob("core/*.py"), *PACKAGE.glob("ledger/*.py"),
              *PACKAGE.glob("*/services.py")}
    assert sorted(p.relative_to(ROOT) for p in wanted - checked) == []
