"""The documentation: the README stays a quick start whose links resolve, and the docs site is built
strictly, so a broken link or anchor in a page fails `make docs` (and CI)."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
README_MAX_LINES = 300
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _build(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(root / "site")],
        cwd=root, capture_output=True, text=True, timeout=120, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )


@pytest.fixture
def site_sources(tmp_path: Path) -> Path:
    """A copy of what the site is built from: mkdocs.yml, docs/ and README.md (the home page's snippets)."""
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    for name in ("mkdocs.yml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_the_readme_stays_a_quick_start() -> None:
    lines = README.read_text().splitlines()
    assert len(lines) <= README_MAX_LINES, (
        f"README.md has {len(lines)} lines (at most {README_MAX_LINES}): move reference detail into docs/"
    )


def test_every_relative_link_of_the_readme_names_a_file_in_the_repository() -> None:
    targets = [link.split("#")[0] for link in LINK.findall(README.read_text()) if "://" not in link]
    assert targets, "the README links to no page under docs/"
    missing = [target for target in targets if target and not (ROOT / target).exists()]
    assert not missing, f"README.md links to files that do not exist: {missing}"


def test_the_readme_links_every_page_of_the_site() -> None:
    linked = {link.split("#")[0] for link in LINK.findall(README.read_text())}
    pages = {f"docs/{page.name}" for page in (ROOT / "docs").glob("*.md")} - {"docs/index.md"}
    unlinked = sorted(pages - linked)
    assert not unlinked, f"link these pages from the README's Documentation table: {unlinked}"


def test_the_site_builds_and_its_home_page_carries_the_readmes_quick_start(site_sources: Path) -> None:
    built = _build(site_sources)
    assert built.returncode == 0, built.stderr
    home = html.unescape(re.sub(r"<[^>]+>", "", (site_sources / "site" / "index.html").read_text()))
    quick_start = re.search(r"## Try it offline\s+```bash\n(.*?)```", README.read_text(), re.S)
    assert quick_start, "README has no ```bash block under ## Try it offline"
    absent = [line for line in quick_start.group(1).splitlines() if line.strip() not in home]
    assert not absent, f"the site's home page lacks these quick-start lines: {absent}"


def test_a_broken_link_or_anchor_or_a_page_left_out_of_the_nav_fails_the_build(site_sources: Path) -> None:
    with (site_sources / "docs" / "benchmarks.md").open("a") as page:
        page.write("\nSee [this](no-such-page.md) and [that](cli.md#no-such-section).\n")
    (site_sources / "docs" / "orphan.md").write_text("# A page nobody can reach\n")
    built = _build(site_sources)
    assert built.returncode != 0
    for fault in ("'no-such-page.md'", "'#no-such-section'", "orphan.md"):
        assert fault in built.stderr, built.stderr
