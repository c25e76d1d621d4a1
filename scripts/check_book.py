"""Open every page of the built book in headless Chromium and check what a reader would see.

    python scripts/check_book.py _build/html [--config _config.yml] [--screenshots DIR]

Drives Debian's chromium (``apt-get install chromium``) with Playwright (``pip install
playwright``; never ``playwright install``: no browser is downloaded), the book served by a
local ``http.server``. Per page it checks:

* no JavaScript error: uncaught exceptions and ``console.error`` calls fail the page; a
  resource of the book that does not load fails it; a resource of *another host* (a CDN,
  on an offline machine) is reported as a note;
* every ``<img>`` of the article is loaded (``complete``, ``naturalWidth > 0``) and has alt
  text: not empty and not merely its file name;
* a page built from a notebook ``book/<name>.ipynb`` has a Colab launch button to its
  Colab copy (``book/_ext/colab_links.py``),
  ``colab.research.google.com/github/<owner>/<repo>/blob/<branch>/book/colab/<name>.ipynb``,
  with the repository and branch of the build's ``_config.yml`` (``--config``), and that
  copy is in the repository;
* pages with ipywidgets show rendered widget views or a loaded static fallback figure (a
  cell tagged ``widget-fallback``);
* no ``NBVAL`` marker is visible to readers;
* math renders: MathJax typeset every math element without an error box (``mjx-merror``,
  e.g. "\\tag not allowed in split environment"), and no ``$...$``, ``$$``, ``\\begin{``,
  ``\\(...\\)`` or ``\\[...\\]`` stays raw in the text;
* tables render: no paragraph is a run of raw Markdown table pipes (``| a | b |``), in the
  prose or in a cell's output (Markdown output rendered as CommonMark has no tables);
* every image's natural size (pixels) is recorded beside its displayed width, in the report
  and in ``check_book.json`` beside the screenshots; an image shown wider than it is
  (upscaled, so soft) is noted.

Screenshots of the landing page, the dispeller chapter and the cross-validation chapter (when
they exist) go to ``--screenshots`` (default: beside the html folder). Exits 1 with a report
when any check fails.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import shutil
import sys
import threading
import time
from pathlib import Path

import yaml
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT_PAGES = (
    "book/intro",
    "book/05_splitter",
    "book/06_dispeller",
    "book/08_residual",
    "book/09_training",
    "cross_validation",
    "_cv",
    "book/14_reproduction",
)
SKIP = ("genindex", "search", "py-modindex", "_modules/", "_static/", "_sources/")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
VIEWPORT = {"width": 1280, "height": 1400}

# Everything the checks need from one page, read in the page after it settled.
PAGE_PROBE = """
() => {
  const article = document.querySelector('article') || document.querySelector('main')
    || document.body;
  const imgs = [...article.querySelectorAll('img')].map(i => ({
    src: i.getAttribute('src') || '', alt: (i.getAttribute('alt') || '').trim(),
    ok: i.complete && i.naturalWidth > 0, natural: [i.naturalWidth, i.naturalHeight],
    shown: Math.round(i.getBoundingClientRect().width)}));
  const colab = [...document.querySelectorAll('a[href*="colab.research.google.com"]')]
    .map(a => a.href);
  const widgetOutputs = document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]').length;
  const widgetViews = document.querySelectorAll('.jupyter-widgets, .widget-container').length;
  const fallback = [...document.querySelectorAll('.tag_widget-fallback img')]
    .filter(i => i.complete && i.naturalWidth > 0).length;
  const nbval = (article.textContent.match(/NBVAL[A-Z_]*/g) || []);
  const math = [...article.querySelectorAll('.math')];
  const untypeset = math.filter(m => !m.querySelector('mjx-container'))
    .map(m => m.textContent.trim().slice(0, 60));
  // Prose text outside code, outputs and typeset math, where TeX must not stay raw.
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT, {acceptNode: n =>
    n.parentElement.closest('pre, code, script, style, mjx-container, .highlight, .output')
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
  let prose = '';
  while (walker.nextNode()) prose += walker.currentNode.textContent;
  const raw = prose.match(/\\$\\$[^$]+\\$\\$|\\$[^$\\s][^$]*?\\$|\\\\\\(.+?\\\\\\)|\\\\\\[.+?\\\\\\]/g) || [];
  // A display delimiter or an environment left over after the ones above: never prose.
  raw.push(...(prose.match(/\\$\\$|\\\\begin\\{[a-z*]+\\}/g) || []));
  // MathJax typesets a formula it cannot parse as a red error box: the container exists.
  const merror = [...article.querySelectorAll('mjx-merror')]
    .map(e => (e.getAttribute('data-mjx-error') || e.textContent).trim().slice(0, 80));
  // A Markdown table that was not parsed as one: a paragraph of `| a | b |` rows.
  const pipes = [...article.querySelectorAll('p')].map(e => e.textContent.trim())
    .filter(t => t.startsWith('|') && (t.match(/\\|/g) || []).length >= 3)
    .map(t => t.slice(0, 60));
  return {imgs, colab, widgetOutputs, widgetViews, fallback, nbval,
          mathCount: math.length, untypeset, raw: raw.map(r => r.slice(0, 60)), merror, pipes,
          mathjax: typeof window.MathJax === 'object' && !!window.MathJax.startup,
          title: document.title};
}
"""
MATHJAX_READY = """
async () => {
  if (!document.querySelector('.math')) return 'no math';
  for (let i = 0; i < 100 && !(window.MathJax && window.MathJax.startup
       && window.MathJax.startup.promise); i++) await new Promise(r => setTimeout(r, 100));
  if (!(window.MathJax && window.MathJax.startup)) return 'MathJax not loaded';
  const late = new Promise(r => setTimeout(() => r('MathJax still typesetting after 30 s'), 30000));
  return await Promise.race([window.MathJax.startup.promise.then(() => 'typeset'), late]);
}
"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the report readable
        pass


def serve(root: Path) -> http.server.ThreadingHTTPServer:
    """The folder ``root`` on a free local port, served from a daemon thread."""
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def launch_target(config_path: Path) -> tuple[str, str]:
    """(``owner/repo``, branch) of the launch buttons, from the build's ``_config.yml``."""
    repository = yaml.safe_load(config_path.read_text())["repository"]
    slug = "/".join(repository["url"].rstrip("/").split("/")[-2:])
    return slug, repository.get("branch", "main")


def pages_of(html_root: Path) -> list[str]:
    return sorted(
        p.relative_to(html_root).as_posix()
        for p in html_root.rglob("*.html")
        if not any(s in p.relative_to(html_root).as_posix() for s in SKIP)
        and p.name != "index.html"
    )


def problems(info: dict, page: str, colab: str) -> list[str]:
    """What is wrong with one page, from the probe's ``info``."""
    errors = []
    broken = [i["src"] for i in info["imgs"] if not i["ok"]]
    if broken:
        errors.append(f"images not loaded: {broken}")
    # An alt text equal to the file's name (myst-nb's default) tells a screen reader nothing.
    no_alt = [
        i["src"] for i in info["imgs"] if not i["alt"] or Path(i["alt"]).name == Path(i["src"]).name
    ]
    if no_alt:
        errors.append(f"{len(no_alt)} images without alt text: {no_alt[:3]}")
    name = page[: -len(".html")]
    if (ROOT / f"{name}.ipynb").exists():
        # Colab opens the copy whose MyST is plain Markdown (written apart from the extension
        # that makes the link: book/<x> -> book/colab/<x>)
        copy = "book/colab/" + name.removeprefix("book/")
        expected = colab.format(name=copy)
        if expected not in info["colab"]:
            errors.append(f"no Colab button to {expected} (found {info['colab']})")
        if not (ROOT / f"{copy}.ipynb").exists():
            errors.append(f"the Colab button opens {copy}.ipynb, which is not in the repository")
    if info["widgetOutputs"] and not (info["widgetViews"] or info["fallback"]):
        errors.append("widgets neither rendered nor a loaded static fallback figure")
    if info["nbval"]:
        errors.append(f"checker markers visible to readers: {sorted(set(info['nbval']))}")
    if info["untypeset"]:
        errors.append(
            f"{len(info['untypeset'])} math elements not typeset: {info['untypeset'][:2]}"
        )
    if info["raw"]:
        errors.append(f"raw TeX in the text: {info['raw'][:3]}")
    if info["merror"]:
        errors.append(
            f"{len(info['merror'])} formulas MathJax could not typeset: {info['merror'][:2]}"
        )
    if info["pipes"]:
        errors.append(f"{len(info['pipes'])} raw Markdown tables (pipes): {info['pipes'][:2]}")
    return errors


def image_sizes(info: dict) -> list[str]:
    """``name WxH px shown at N px`` per image, ``(upscaled)`` when shown wider than it is."""
    lines = []
    for image in info["imgs"]:
        width, height = image["natural"]
        soft = " (upscaled: soft)" if image["ok"] and image["shown"] > width else ""
        lines.append(
            f"{Path(image['src']).name} {width}x{height} px shown at {image['shown']} px{soft}"
        )
    return lines


class PageWatch:
    """JavaScript errors and failed loads of the page currently open."""

    def __init__(self, page, local: str):
        self.local, self.errors, self.notes = local, [], []
        page.on("pageerror", lambda e: self.errors.append(f"uncaught exception: {e}"))
        page.on("console", self._console)
        page.on("requestfailed", lambda r: self._failed(r.url, r.failure or "failed"))
        page.on("response", self._response)

    def reset(self) -> None:
        self.errors, self.notes = [], []

    def _console(self, message) -> None:
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.errors.append(f"console.error: {message.text[:200]}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self._failed(response.url, f"HTTP {response.status}")

    def _failed(self, url: str, why) -> None:
        if url.endswith("/favicon.ico"):
            return  # the browser asks for it on its own; the book has none
        if self.local in url:
            self.errors.append(f"not loaded ({why}): {url}")
        else:
            self.notes.append(f"external resource not loaded (offline?): {url}")


def check_page(page, watch: PageWatch, url: str, settle: float) -> dict:
    watch.reset()
    page.goto(url, wait_until="load", timeout=60_000)
    state = page.evaluate(MATHJAX_READY)
    page.wait_for_timeout(settle * 1000)
    info = page.evaluate(PAGE_PROBE)
    if state == "MathJax not loaded" and info["mathCount"]:
        info["untypeset"] = info["untypeset"] or ["(MathJax did not load)"]
    return info


def check(html_root: Path, config: Path, screenshots: Path, chromium: str, settle: float) -> int:
    html_root = html_root.resolve()
    pages = pages_of(html_root)
    if not pages:
        print(f"no pages under {html_root}")
        return 1
    slug, branch = launch_target(config)
    colab = f"https://colab.research.google.com/github/{slug}/blob/{branch}/{{name}}.ipynb"
    server = serve(html_root)
    local = f"127.0.0.1:{server.server_address[1]}"
    failures, started, record = {}, time.time(), {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport=VIEWPORT)
            watch = PageWatch(page, local)
            for name in pages:
                info = check_page(page, watch, f"http://{local}/{name}", settle)
                errors = watch.errors + problems(info, name, colab)
                report(name, info, errors, watch.notes)
                record[name] = {"errors": errors, "images": image_sizes(info)}
                if errors:
                    failures[name] = errors
                if any(key in name for key in SCREENSHOT_PAGES):
                    print(f"       screenshot: {screenshot(page, screenshots, name)}")
            browser.close()
    finally:
        server.shutdown()
    took = time.time() - started
    screenshots.mkdir(parents=True, exist_ok=True)
    (screenshots / "check_book.json").write_text(json.dumps(record, indent=1) + "\n")
    print(f"\n{len(pages)} pages checked in {took:.0f} s: {len(failures)} with problems")
    print(f"per-page record (errors, images' natural sizes): {screenshots / 'check_book.json'}")
    return 1 if failures else 0


def screenshot(page, folder: Path, name: str, max_height: int = 4000) -> Path:
    """The page, up to ``max_height`` CSS pixels (not only the first screen)."""
    path = folder / f"{Path(name).stem}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    height = min(page.evaluate("document.documentElement.scrollHeight"), max_height)
    clip = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height}
    page.screenshot(path=str(path), full_page=True, clip=clip)
    return path


def report(name: str, info: dict, errors: list[str], notes: list[str]) -> None:
    widgets = (
        f", widgets: {info['widgetViews']} views / {info['fallback']} fallback figures"
        if info["widgetOutputs"]
        else ""
    )
    math = f", {info['mathCount']} math" if info["mathCount"] else ""
    print(f"{'FAIL' if errors else 'ok':4} {name}: {len(info['imgs'])} images{math}{widgets}")
    for line in errors:
        print(f"       error: {line}")
    for line in image_sizes(info):
        print(f"       image: {line}")
    for line in sorted(set(notes)):
        print(f"       note: {line}")


def default_chromium() -> str:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("google-chrome") or "chromium"


def shown_solutions(html_root: Path) -> list[str]:
    """``--students``: one line per page of the built book that shows a solution:
    sphinx-exercise's solution admonition (class ``solution``, title "Solution to ...") or a
    notebook cell tagged ``solution`` (myst-nb's class ``tag_solution``) in its HTML."""
    import re

    markup = re.compile(r'class="[^"]*\b(solution|tag_solution)\b|>\s*(Solution to)\b')
    found = []
    for page in pages_of(html_root):
        hits = markup.findall((html_root / page).read_text(errors="replace"))
        if hits:
            what = sorted({klass or title for klass, title in hits})
            found.append(f"{page}: shows a solution ({len(hits)} marks: {what})")
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", type=Path, nargs="?", default=Path("_build/html"))
    parser.add_argument(
        "--config", type=Path, default=ROOT / "_config.yml", help="the build's _config.yml"
    )
    parser.add_argument("--screenshots", type=Path, default=None)
    parser.add_argument("--chromium", default=default_chromium(), help="the browser to drive")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds to wait per page")
    parser.add_argument(
        "--students", action="store_true", help="the students' book: fail on any shown solution"
    )
    args = parser.parse_args(argv)
    if not any(args.html.rglob("*.html")):
        parser.error(f"{args.html} holds no built book; run scripts/build_book.sh first")
    screenshots = args.screenshots or args.html.resolve().parent / "screenshots"
    solutions = shown_solutions(args.html) if args.students else []
    for line in solutions:
        print(f"FAIL {line}")
    status = check(args.html, args.config, screenshots, args.chromium, args.settle)
    return 1 if solutions else status


if __name__ == "__main__":
    sys.exit(main())
