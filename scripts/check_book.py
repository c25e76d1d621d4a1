"""Open every page of the built book in headless Chromium and check what a reader would see.

    python scripts/check_book.py _build/html [--screenshots _build/screenshots]

Uses Debian's chromium (``apt-get install -y chromium``) driven over the Chrome DevTools
protocol (``websocket-client``). Per page it checks:

* no JavaScript error: uncaught exceptions and ``console.error`` calls fail the page;
  resources that cannot load from *other hosts* (CDNs, offline machines) are reported as
  notes, since the book is served locally here;
* every ``<img>`` is loaded (``complete`` and ``naturalWidth > 0``);
* chapters built from ``book/<name>.ipynb`` have a Colab launch button pointing at
  ``colab.research.google.com/github/adfl-teach/adfl-teach/blob/main/book/<name>.ipynb``;
* pages with ipywidgets show rendered widget views or a loaded static fallback figure
  (a cell tagged ``widget-fallback``).

Screenshots of the landing page, the dispeller chapter and the cross-validation chapter (when
it exists) go to ``--screenshots``. Exits 1 with a report when any check fails.
"""

from __future__ import annotations

import argparse
import base64
import functools
import http.server
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import websocket  # websocket-client

REPO = "adfl-teach/adfl-teach"
BRANCH = "main"
COLAB = f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/book/{{name}}.ipynb"
SCREENSHOT_PAGES = ("book/intro", "book/06_dispeller", "cross_validation", "_cv")
SKIP = ("genindex", "search", "py-modindex", "_modules/", "_static/", "_sources/")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]

PAGE_PROBE = """
(() => {
  const imgs = [...document.querySelectorAll('article img, main img')].map(i => ({
    src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0}));
  const colab = [...document.querySelectorAll('a[href*="colab.research.google.com"]')]
    .map(a => a.href);
  const widgetOutputs = document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]').length;
  const widgetViews = document.querySelectorAll('.jupyter-widgets, .widget-container').length;
  const fallback = [...document.querySelectorAll('.tag_widget-fallback img')]
    .filter(i => i.complete && i.naturalWidth > 0).length;
  return JSON.stringify({imgs, colab, widgetOutputs, widgetViews, fallback,
                         title: document.title});
})()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(root: Path) -> tuple[http.server.ThreadingHTTPServer, int]:
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the report readable
        pass


class Browser:
    """One headless Chromium tab, spoken to over the DevTools websocket."""

    def __init__(self, executable: str):
        self.profile = tempfile.mkdtemp(prefix="check-book-")
        port = free_port()
        self.proc = subprocess.Popen(
            [
                executable,
                *CHROMIUM_FLAGS,
                f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        targets = self._wait_for_targets(port)
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
        self.next_id = 0
        self.events: list[dict] = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self._viewport(1400)

    def _viewport(self, height: int) -> None:
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=1280,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def _wait_for_targets(self, port: int) -> list[dict]:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=2) as r:
                    return json.load(r)
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("chromium did not open its DevTools port within 30 s")

    def call(self, method: str, **params):
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == my_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def drain(self, seconds: float) -> None:
        """Collect events for ``seconds`` (late scripts, widget rendering)."""
        end = time.time() + seconds
        self.ws.settimeout(0.2)
        try:
            while time.time() < end:
                try:
                    self.events.append(json.loads(self.ws.recv()))
                except websocket.WebSocketTimeoutException:
                    pass
        finally:
            self.ws.settimeout(30)

    def open(self, url: str, settle: float) -> None:
        self.events.clear()
        self.call("Page.navigate", url=url)
        end = time.time() + 30
        while time.time() < end:
            if any(e.get("method") == "Page.loadEventFired" for e in self.events):
                break
            self.drain(0.2)
        self.drain(settle)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def screenshot(self, path: Path, max_height: int = 4000) -> None:
        """The page (up to ``max_height`` CSS pixels), not just the first screen."""
        metrics = self.call("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        height = int(min(size["height"], max_height))
        self._viewport(height)
        try:
            data = self.call("Page.captureScreenshot", format="png")["data"]
        finally:
            self._viewport(1400)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


def javascript_problems(events: list[dict], local_host: str) -> tuple[list[str], list[str]]:
    """(errors, notes) from the DevTools events of one page load."""
    errors, notes = [], []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            errors.append(f"uncaught exception: {text.splitlines()[0] if text else details}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            errors.append(f"console.error: {args[:200]}")
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            entry = params["entry"]
            url = entry.get("url", "")
            if url.endswith("/favicon.ico"):
                continue  # the browser asks for it on its own; the book has none
            if entry.get("source") == "network" and url and local_host not in url:
                notes.append(f"external resource not loaded (offline?): {url}")
            else:
                errors.append(f"{entry.get('source')} error: {entry.get('text', '')[:200]} {url}")
        elif method == "Network.loadingFailed":
            pass  # reported through Log.entryAdded with its URL
    return errors, notes


def check(html_root: Path, screenshots: Path, chromium: str, settle: float) -> int:
    html_root = html_root.resolve()
    book_root = html_root.parent.parent  # _build/html -> repository root
    pages = sorted(
        p.relative_to(html_root).as_posix()
        for p in html_root.rglob("*.html")
        if not any(s in p.relative_to(html_root).as_posix() for s in SKIP)
        and p.name != "index.html"
    )
    if not pages:
        print(f"no pages under {html_root}")
        return 1
    server, port = serve(html_root)
    local = f"127.0.0.1:{port}"
    browser = Browser(chromium)
    failures, started = {}, time.time()
    try:
        for page in pages:
            browser.open(f"http://{local}/{page}", settle)
            errors, notes = javascript_problems(browser.events, local)
            info = json.loads(browser.evaluate(PAGE_PROBE))
            broken = [i["src"] for i in info["imgs"] if not i["ok"]]
            if broken:
                errors.append(f"images not loaded: {broken}")
            name = page[: -len(".html")]
            if (book_root / f"{name}.ipynb").exists():
                expected = COLAB.format(name=Path(name).name)
                if expected not in info["colab"]:
                    errors.append(f"no Colab button to {expected} (found {info['colab']})")
            if info["widgetOutputs"] and not (info["widgetViews"] or info["fallback"]):
                errors.append("widgets neither rendered nor a loaded static fallback figure")
            widget = (
                f", widgets: {info['widgetViews']} views / {info['fallback']} fallback figures"
                if info["widgetOutputs"]
                else ""
            )
            status = "FAIL" if errors else "ok"
            print(f"{status:4} {page}: {len(info['imgs'])} images{widget}")
            for line in errors:
                print(f"       error: {line}")
            for line in sorted(set(notes)):
                print(f"       note: {line}")
            if errors:
                failures[page] = errors
            if any(key in name for key in SCREENSHOT_PAGES):
                shot = screenshots / f"{Path(name).name}.png"
                browser.screenshot(shot)
                print(f"       screenshot: {shot}")
    finally:
        browser.close()
        server.shutdown()
    took = time.time() - started
    print(f"\n{len(pages)} pages checked in {took:.0f} s: {len(failures)} with problems")
    return 1 if failures else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", type=Path, nargs="?", default=Path("_build/html"))
    parser.add_argument("--screenshots", type=Path, default=None)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--settle", type=float, default=1.5, help="seconds to wait per page")
    args = parser.parse_args(argv)
    if not (args.html / "index.html").exists() and not any(args.html.rglob("*.html")):
        parser.error(f"{args.html} holds no built book; run scripts/build_book.sh first")
    screenshots = args.screenshots or args.html.resolve().parent / "screenshots"
    return check(args.html, screenshots, args.chromium, args.settle)


if __name__ == "__main__":
    sys.exit(main())
