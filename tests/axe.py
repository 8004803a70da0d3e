"""Accessibility checks in the browser tests: axe-core (the npm package pinned in
package-lock.json, `make browser-deps` installs it) injected from disk into the page."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA
STANDARD = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
SHOWN_TARGETS = 3

RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                          resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      targets: v.nodes.map(n => n.target.join(" "))}));
}"""


def axe_script() -> Path:
    """The axe-core script; missing, the test fails in CI and is skipped elsewhere."""
    if not AXE.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail("axe-core is missing; `make browser-deps` installs it (npm ci)")
        pytest.skip("axe-core is not installed (make browser-deps)")
    return AXE


def violations(page: Any) -> list[dict[str, Any]]:
    """The page's serious and critical WCAG 2.0/2.1 A and AA violations, as axe reports them."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_script()))
    found = page.evaluate(RUN, STANDARD)
    return [v for v in found if v["impact"] in BLOCKING]


def described(found: list[dict[str, Any]]) -> str:
    """One line per violation: impact, rule, what it asks, where (the first few places)."""
    lines = []
    for v in found:
        where = ", ".join(v["targets"][:SHOWN_TARGETS])
        more = len(v["targets"]) - SHOWN_TARGETS
        lines.append(f"  {v['impact']} {v['id']}: {v['help']} at {where}"
                     + (f" (and {more} more)" if more > 0 else ""))
    return "\n".join(lines)


def assert_accessible(page: Any, label: str) -> None:
    """Fail listing every serious or critical axe violation on the page as it is now."""
    found = violations(page)
    assert not found, f"{label} ({page.url}) is not accessible:\n{described(found)}"
