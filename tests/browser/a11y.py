"""Accessibility and weight checks of a page open in Playwright: axe-core against WCAG 2.1 level AA.

axe-core comes from the ``axe-playwright-python`` wheel (the ``test`` extra), which bundles ``axe.min.js``;
only that file is used: it is injected into the page and run with the WCAG 2.0 / 2.1 A and AA rule tags.

``check_accessible(page)`` fails with one line per offending element (rule id, impact, CSS target and what
axe says is wrong). Besides violations it fails on what axe could not decide ("needs review"), except colour
contrast over backgrounds it cannot compute: such a result is a broken reference (an ``aria-describedby``
naming a missing id, ...) more often than not. ``page_weight(page)`` adds up the bytes of the HTML and of
the style sheets and scripts it links (images aside).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path

WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
REVIEW_ONLY = frozenset({"color-contrast"})  # "needs review" results of these rules are reported, not failed
MAX_PAGE_BYTES = 100 * 1024


@cache
def axe_source() -> str:
    return (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


_RUN = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations", "incomplete"],  // passes and inapplicable rules keep one node each: faster
  });
  const brief = (v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.map(String), summary: n.failureSummary || ""})),
  });
  return {
    version: results.testEngine.version,
    rules: axe.getRules(tags).map((rule) => rule.ruleId),
    violations: results.violations.map(brief),
    incomplete: results.incomplete.map(brief),
  };
}"""

_PAGE = """() => {
  const navigation = performance.getEntriesByType("navigation")[0];
  const linked = [...document.querySelectorAll("link[rel~=stylesheet][href], script[src], link[rel=preload][href]")];
  return {
    html: navigation && navigation.decodedBodySize ? navigation.decodedBodySize : document.documentElement.outerHTML.length,
    resources: linked.map((element) => element.href || element.src),
    width: document.documentElement.scrollWidth,
    scripts: document.scripts.length,
  };
}"""


@dataclass
class AxeResult:
    url: str
    version: str
    rules: list[str]
    violations: list[dict]
    incomplete: list[dict]

    @property
    def failures(self) -> list[dict]:
        return self.violations + [item for item in self.incomplete if item["id"] not in REVIEW_ONLY]

    def report(self) -> str:
        lines = [
            f"{len(self.failures)} WCAG 2.1 AA problem(s) on {self.url} "
            f"(axe-core {self.version}, {len(self.rules)} rules):"
        ]
        for item in self.failures:
            kind = "violation" if item in self.violations else "needs review"
            lines.append(f"- {item['id']} [{item['impact'] or kind}] {item['help']} ({kind})")
            for node in item["nodes"]:
                summary = " ".join(node["summary"].split())
                lines.append(f"    at {' '.join(node['target'])}: {summary}")
        return "\n".join(lines)


def run_axe(page) -> AxeResult:
    """Inject axe-core (once per document) and run the WCAG 2.0/2.1 A and AA rules on the whole page."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    data = page.evaluate(_RUN, list(WCAG_TAGS))
    return AxeResult(
        url=page.url,
        version=data["version"],
        rules=data["rules"],
        violations=data["violations"],
        incomplete=data["incomplete"],
    )


def check_accessible(page) -> AxeResult:
    result = run_axe(page)
    assert not result.failures, result.report()
    return result


def page_weight(page, sizes: dict[str, int] | None = None) -> tuple[int, dict]:
    """Bytes of the page without images, as a first visit downloads them (uncompressed): the HTML plus the
    style sheets and scripts it links. ``sizes`` caches the size of each linked file by address."""
    facts = page.evaluate(_PAGE)
    sizes = {} if sizes is None else sizes
    for url in facts["resources"]:
        if url not in sizes:
            sizes[url] = len(page.request.get(url).body())
    return int(facts["html"]) + sum(sizes[url] for url in facts["resources"]), facts


@dataclass
class Tour:
    """Every page a test visits: a screenshot, axe-core, the width and the weight, asserted and recorded.

    ``tour.visit(page, "01-home")`` saves ``<folder>/01-home.png`` and fails on any WCAG 2.1 AA problem, on a
    page wider than the window (no sideways scrolling at 360 px), on a page heavier than 100 KB without
    images and on a page with a script (pages work without JavaScript; ``scripts=True`` lets a page have
    some). ``tour.write(path)`` saves the figures (rules run, bytes per page) as JSON.
    """

    folder: Path
    pages: list[dict] = field(default_factory=list)
    rules: set[str] = field(default_factory=set)
    file_sizes: dict[str, int] = field(default_factory=dict)

    def visit(self, page, name: str, *, max_bytes: int = MAX_PAGE_BYTES, scripts: bool = False) -> AxeResult:
        page.wait_for_load_state("load")
        page.screenshot(path=self.folder / f"{name}.png", full_page=True)
        result = check_accessible(page)
        weight, facts = page_weight(page, self.file_sizes)
        self.rules.update(result.rules)
        self.pages.append(
            {
                "name": name,
                "url": page.url,
                "bytes": weight,
                "html_bytes": int(facts["html"]),
                "needs_review": {
                    item["id"]: [" ".join(node["target"]) for node in item["nodes"]]
                    for item in result.incomplete
                },
            }
        )
        window = page.viewport_size["width"]
        assert facts["width"] <= window, f"{page.url} is {facts['width']} px wide in a {window} px window"
        assert weight < max_bytes, f"{page.url} weighs {weight} bytes without images (limit {max_bytes})"
        assert scripts or not facts["scripts"], f"{page.url} has {facts['scripts']} script(s)"
        return result

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        figures = {"axe_rules": sorted(self.rules), "pages": self.pages}
        path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
