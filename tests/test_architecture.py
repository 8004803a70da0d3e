"""ARCHITECTURE.md: dependencies point one way."""

import ast
from pathlib import Path

import pytest

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
    # `lienrx …` commands
    command = path.name in ("cli.py", "keys_cli.py", "backup_cli.py", "server.py")
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


# portal/ and staff/ render: they call other domains' services, queries and use cases, and
# never reach for models, the session or the audit trail themselves.
PAGE_PACKAGES = ("portal", "staff")
FORBIDDEN_IN_PAGES = ("sqlalchemy", "lienrx.all_models", "lienrx.audit", "lienrx.extensions.db")


def _forbidden_import(name: str) -> bool:
    parts = name.split(".")
    return (any(within(name, {prefix}) for prefix in FORBIDDEN_IN_PAGES)
            or (parts[0] == "lienrx" and "models" in parts[1:]))


def _imported_names(node: ast.Import | ast.ImportFrom, module: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:  # a relative import, resolved against the module's package
        package = module.split(".")[:-node.level]
        base = ".".join([*package, base] if base else package)
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def _is_audit_record(call: ast.Call) -> bool:
    func = call.func
    return (isinstance(func, ast.Attribute) and func.attr == "record"
            and isinstance(func.value, ast.Name | ast.Attribute)
            and (getattr(func.value, "id", None) == "audit"
                 or getattr(func.value, "attr", None) == "audit"))


def page_layer_violations(source: str, module: str = "lienrx.staff.page") -> list[str]:
    """What a page module may not do: import models, sqlalchemy, the session or the audit
    trail (so it cannot query or write audit records itself), or call ``audit.record``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            bad = [name for name in _imported_names(node, module) if _forbidden_import(name)]
            if bad:
                found.append(f"line {node.lineno}: imports {bad[0]}")
        elif isinstance(node, ast.Call) and _is_audit_record(node):
            found.append(f"line {node.lineno}: calls audit.record")
    return found


def page_modules():
    for package in PAGE_PACKAGES:
        yield from sorted((PACKAGE / package).rglob("*.py"))


def test_pages_only_call_services_queries_and_use_cases():
    offenders = {str(path.relative_to(PACKAGE.parent)): problems for path in page_modules()
                 if (problems := page_layer_violations(path.read_text(), module_name(path)))}
    assert not offenders, f"page modules reach past the domains: {offenders}"
    assert len(list(page_modules())) > 10  # the walk found the modules


@pytest.mark.parametrize("planted", [
    "from lienrx.cases.models import Case",
    "from lienrx.cases import models",
    "import lienrx.dispensing.models",
    "from lienrx.all_models import User",
    "from ..prescribing.models import Prescription",
    "from lienrx.audit import services as audit",
    "from lienrx.audit.services import record",
    "from lienrx import audit",
    "import sqlalchemy as sa",
    "from sqlalchemy.orm import joinedload",
    "from lienrx.extensions import db",
    "def view():\n    audit.record(None, 'case.read', 'case', 1)",
    "def view():\n    lienrx.audit.record(None, 'case.read', 'case', 1)",
])
def test_the_page_check_sees_a_planted_violation(planted):
    assert page_layer_violations(planted, "lienrx.staff.cases")


def test_the_page_check_lets_pages_call_the_domains():
    clean = ("from lienrx.cases import queries, services\n"
             "from lienrx.cases.queries import with_balances\n"
             "from lienrx.dur import use_cases\n"
             "from lienrx.extensions import csrf\n"
             "from lienrx.staff import forms\n"
             "def view():\n    forms.record(1)\n    services.read_case(None, 1)\n")
    assert page_layer_violations(clean, "lienrx.staff.cases") == []


# Dependencies point one way: leaving out the web layers, the CLI and the top-level registries
# and loaders, no domain package depends (through any chain) on itself.
OUTSIDE_THE_DOMAIN_LAYER = {"api", "views", "cli"}
NOT_DOMAINS = {"core", "extensions", "portal", "staff", "seeds", "migrations"}


def domain_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, imports in modules():
        parts = name.split(".")
        if len(parts) < 3 or parts[1] in NOT_DOMAINS or parts[-1] in OUTSIDE_THE_DOMAIN_LAYER:
            continue
        graph.setdefault(parts[1], set()).update(
            i.split(".")[1] for i in imports
            if i.count(".") >= 1 and i.split(".")[1] not in NOT_DOMAINS | {parts[1], "models"})
    return graph


def cycles(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Pairs (a, b) where a imports b and b reaches a again."""
    def reach(start: str) -> set[str]:
        seen, stack = set(), [start]
        while stack:
            for nxt in graph.get(stack.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen
    return sorted((a, b) for a, deps in graph.items() for b in deps if a in reach(b))


def test_domain_packages_depend_on_each_other_one_way():
    assert cycles(domain_graph()) == []


def test_the_cycle_check_sees_a_planted_cycle():
    graph = {"dur": {"prescribing", "audit"}, "prescribing": {"cases"}, "cases": set()}
    assert cycles(graph) == []
    graph["prescribing"].add("dur")
    assert cycles(graph) == [("dur", "prescribing"), ("prescribing", "dur")]


def test_no_view_or_api_handler_writes_audit_events():
    """Services record the audit trail; a web handler never does (ARCHITECTURE: a view)."""
    handlers = [p for p in PACKAGE.rglob("*.py") if p.name in ("views.py", "api.py")]
    offenders = {str(path.relative_to(PACKAGE.parent)): found for path in handlers
                 if (found := [f"line {node.lineno}" for node in ast.walk(ast.parse(
                     path.read_text())) if isinstance(node, ast.Call) and _is_audit_record(node)])}
    assert not offenders, f"web handlers writing audit events: {offenders}"
    assert len(handlers) > 15
