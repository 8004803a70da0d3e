"""ARCHITECTURE.md: dependencies point one way."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lienrx"
# Top-level directories installed into the package (pyproject.toml's package-dir).
MAPPED = {"lienrx.seeds": ROOT / "seeds"}
INFRASTRUCTURE = {"lienrx.core", "lienrx.extensions"}
WEB_LAYERS = ("api", "views")
# Modules allowed to import web layers: the app factory and the blueprint registry.
REGISTRIES = {"lienrx", "lienrx.api_blueprints"}


def module_name(path: Path, package: str = "lienrx", directory: Path = PACKAGE) -> str:
    parts = (package, *path.relative_to(directory).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def lienrx_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("lienrx")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("lienrx"):
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def modules():
    for path in PACKAGE.rglob("*.py"):
        yield module_name(path), lienrx_imports(path)
    for package, directory in MAPPED.items():
        for path in directory.rglob("*.py"):
            yield module_name(path, package, directory), lienrx_imports(path)


def within(name: str, prefixes: set[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_core_depends_on_nothing_but_infrastructure():
    for name, imports in modules():
        if within(name, {"lienrx.core"}):
            bad = {i for i in imports if not within(i, INFRASTRUCTURE)}
            assert not bad, f"{name} imports {bad}"


def test_ledger_depends_only_on_core():
    for name, imports in modules():
        if within(name, {"lienrx.ledger"}):
            bad = {i for i in imports if not within(i, INFRASTRUCTURE | {"lienrx.ledger"})}
            assert not bad, f"{name} imports {bad}"


def test_nothing_imports_api_views_portal_or_staff():
    for name, imports in modules():
        if name in REGISTRIES:
            continue
        own_package = name.rsplit(".", 1)[0]
        for imported in imports:
            if within(imported, INFRASTRUCTURE):
                continue  # core.api is the shared blueprint class, not a domain's web layer
            last = imported.rsplit(".", 1)[-1]
            if last in WEB_LAYERS and not imported.startswith(own_package + "." + last):
                raise AssertionError(f"{name} imports the web layer {imported}")
            if within(imported, {"lienrx.portal", "lienrx.staff"}) and not within(
                    name, {"lienrx.portal", "lienrx.staff"}):
                raise AssertionError(f"{name} imports {imported}")


def commits_allowed(path: Path) -> bool:
    """The request's unit of work and CLI commands commit (and the seed loaders, which live
    outside the package, in seeds/); nothing else does."""
    relative = path.relative_to(PACKAGE)
    command = path.name in ("cli.py", "keys_cli.py", "server.py")  # `lienrx …` commands
    return relative == Path("core/unit_of_work.py") or command


def test_only_the_unit_of_work_the_cli_and_the_seeds_commit():
    offenders = [f"{path.relative_to(PACKAGE.parent)}:{number}"
                 for path in PACKAGE.rglob("*.py") if not commits_allowed(path)
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if "commit(" in line]
    assert not offenders, f"commit() outside the unit of work: {offenders}"


def test_the_commit_check_sees_a_view_that_commits(tmp_path):
    assert not commits_allowed(PACKAGE / "staff" / "billing.py")
    assert not commits_allowed(PACKAGE / "core" / "idempotency.py")
    assert commits_allowed(PACKAGE / "auth" / "cli.py")


def test_no_module_uses_wtforms_form_classes_only_flask_wtf_csrf():
    """One form path: the API's schemas validate pages; Flask-WTF only guards CSRF."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                if name.split(".")[0] in ("wtforms", "flask_wtf") and name != "flask_wtf.csrf":
                    offenders.append(f"{path.relative_to(PACKAGE.parent)}: {name}")
    assert not offenders, f"form classes outside the one form path: {offenders}"
    templates = PACKAGE / "templates"
    assert not [p for p in templates.rglob("*.html") if "validate_on_submit" in p.read_text()
                or "form.csrf_token" in p.read_text()]
