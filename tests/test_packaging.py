"""pyproject.toml lists lienrx's packages by name (migrations/ and seeds/ are mapped into it)."""

import importlib
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_under_lienrx_is_distributed():
    on_disk = {".".join(init.parent.relative_to(ROOT).parts)
               for init in (ROOT / "lienrx").rglob("__init__.py")}
    assert on_disk <= set(SETUPTOOLS["packages"]), on_disk - set(SETUPTOOLS["packages"])


def test_migrations_and_seeds_import_from_their_top_level_directories():
    for package, directory in SETUPTOOLS["package-dir"].items():
        module = importlib.import_module(package)
        assert Path(module.__file__).resolve().parent == (ROOT / directory).resolve()
