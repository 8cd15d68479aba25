"""Every page of both outputs passes axe-core with no serious or critical violation.

Its own file so that ``--dist loadfile`` can run it beside the other page-wide checks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page

from .browser_support import Site, open_page

pytestmark = pytest.mark.browser

AXE_JS = Path("node_modules", "axe-core", "axe.min.js")
AXE_IMPACTS = ("serious", "critical")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_no_serious_or_critical_violation(
    site: Site, page: Page, project_dir: Path, scheme: str
) -> None:
    axe = project_dir / AXE_JS
    assert axe.is_file(), f"{axe} missing: run `make node_modules` (npm ci)"
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    found: list[str] = []
    for url in site.pages():
        open_page(page, url, settle=False)
        page.add_script_tag(path=str(axe))
        # The palettes differ in colours only: the dark one is checked for contrast alone.
        only = "runOnly: ['color-contrast'], " if scheme == "dark" else ""
        result = page.evaluate(f"() => axe.run(document, {{{only}resultTypes: ['violations']}})")
        for v in result["violations"]:
            if v.get("impact") in AXE_IMPACTS:
                targets = [json.dumps(n["target"]) for n in v["nodes"][:3]]
                found.append(
                    f"{url} [{scheme}]: {v['impact']} {v['id']}: {v['help']} "
                    f"({len(v['nodes'])} node(s), e.g. {', '.join(targets)})"
                )
    assert not found, "\n".join(found)
