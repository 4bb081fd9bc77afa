"""Open a report in headless Chromium and check what a reader would see.

Speaks the Chrome DevTools Protocol over a websocket (tornado, already installed with
Jupyter), so no browser-automation package is needed. :func:`check_page` loads a local
HTML file and returns console errors, uncaught exceptions, every network request that is
not to the file itself or a ``data:`` URI, the rendered size of every image, the width
of every table and of the page (in a 1200 px wide window), the text a reader sees, and a
screenshot. Used by the
test suite (tests/test_report_browser.py); handy for checking a report by hand:

    python tests/helpers/browser.py reports/2024-12-31/overview.html shot.png
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["PageCheck", "check_page", "find_chromium"]

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio",
]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageCheck:
    url: str
    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    network_requests: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    tables: list[dict] = field(default_factory=list)
    page_width: float = 0.0
    title: str = ""
    text: str = ""
    screenshot: Path | None = None
    #: results of the ``evaluate`` expressions of :func:`check_page`, by name
    values: dict = field(default_factory=dict)

    @property
    def problems(self) -> list[str]:
        out = [f"console error: {e}" for e in self.console_errors]
        out += [f"exception: {e}" for e in self.exceptions]
        out += [f"network request: {u}" for u in self.network_requests]
        out += [f"empty image #{i}" for i, im in enumerate(self.images)
                if not (im["width"] > 0 and im["height"] > 0)]
        return out


async def _cdp_session(ws_url: str, page: Path, screenshot: Path | None, timeout: float,
                       evaluate: dict[str, str] | None = None) -> PageCheck:
    from tornado.websocket import websocket_connect

    conn = await websocket_connect(ws_url, max_message_size=256 * 1024 * 1024)
    url = page.resolve().as_uri()
    result = PageCheck(url=url)
    counter = 0
    loaded = asyncio.Event()
    pending: dict[int, asyncio.Future] = {}

    async def reader():
        while True:
            msg = await conn.read_message()
            if msg is None:
                return
            data = json.loads(msg)
            if "id" in data and data["id"] in pending:
                pending.pop(data["id"]).set_result(data)
                continue
            method, params = data.get("method"), data.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                result.console_errors.append(" ".join(str(a.get("value", a.get("description", "")))
                                                      for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                det = params.get("exceptionDetails", {})
                result.exceptions.append(det.get("exception", {}).get("description") or det.get("text", ""))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                entry = params["entry"]
                result.console_errors.append(f"{entry.get('text')} {entry.get('url', '')}".strip())
            elif method == "Network.requestWillBeSent":
                req_url = params.get("request", {}).get("url", "")
                if req_url != url and not req_url.startswith("data:"):
                    result.network_requests.append(req_url)
            elif method == "Page.loadEventFired":
                loaded.set()

    async def call(method: str, **params):
        nonlocal counter
        counter += 1
        fut = asyncio.get_running_loop().create_future()
        pending[counter] = fut
        conn.write_message(json.dumps({"id": counter, "method": method, "params": params}))
        reply = await asyncio.wait_for(fut, timeout)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    task = asyncio.create_task(reader())
    try:
        for domain in ("Page", "Runtime", "Network", "Log"):
            await call(f"{domain}.enable")
        # a 1200 px wide page, as readers' screens and the width checks assume
        await call("Emulation.setDeviceMetricsOverride", width=1200, height=900, deviceScaleFactor=1,
                   mobile=False)
        await call("Page.navigate", url=url)
        await asyncio.wait_for(loaded.wait(), timeout)
        await asyncio.sleep(0.3)  # let late console messages arrive
        expr = ("JSON.stringify({title: document.title, images: Array.from(document.images).map("
                "i => ({width: i.naturalWidth, height: i.naturalHeight, shown: i.width})), "
                "tables: Array.from(document.querySelectorAll('table')).map(t => ({width: "
                "t.getBoundingClientRect().width, header: (t.querySelector('th') || {}).textContent || '', "
                "columns: t.rows.length ? t.rows[0].cells.length : 0})), "
                "page_width: document.documentElement.scrollWidth, text: document.body.innerText})")
        info = json.loads((await call("Runtime.evaluate", expression=expr,
                                      returnByValue=True))["result"]["value"])
        result.title, result.images = info["title"], info["images"]
        result.tables, result.page_width, result.text = info["tables"], info["page_width"], info["text"]
        for name, expression in (evaluate or {}).items():  # after document.fonts are ready
            reply = await call("Runtime.evaluate", expression=expression, returnByValue=True,
                               awaitPromise=True)
            result.values[name] = reply["result"].get("value")
        if screenshot is not None:
            metrics = await call("Page.getLayoutMetrics")
            size = metrics.get("cssContentSize") or metrics.get("contentSize")
            height = min(int(size["height"]), 16000)
            await call("Emulation.setDeviceMetricsOverride", width=1200, height=height,
                       deviceScaleFactor=1, mobile=False)
            shot = await call("Page.captureScreenshot", format="png")
            screenshot.write_bytes(base64.b64decode(shot["data"]))
            result.screenshot = screenshot
    finally:
        task.cancel()
        conn.close()
    return result


def check_page(page: str | Path, screenshot: str | Path | None = None, *,
               chromium: str | None = None, timeout: float = 60.0,
               evaluate: dict[str, str] | None = None) -> PageCheck:
    """Load ``page`` (a local HTML file) in headless Chromium and report what happened.

    ``evaluate`` maps names to JavaScript expressions (a promise is awaited) evaluated after
    the load; their JSON values are in :attr:`PageCheck.values`, e.g.
    ``{"cjk": "document.fonts.ready.then(() => document.fonts.check('16px \"CRM CJK\"', '中文'))"}``.
    """
    exe = chromium or find_chromium()
    if exe is None:
        raise FileNotFoundError("no Chromium found (install the 'chromium' package)")
    # Chromium's helper processes (renderers, crash handler) can outlive the browser process by a
    # moment and still write to the profile: run them in their own process group, end the whole
    # group, and never let a late write to the throw-away profile fail the check
    with tempfile.TemporaryDirectory(prefix="crm-chromium-", ignore_cleanup_errors=True) as profile:
        proc = subprocess.Popen([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                                 "--remote-debugging-port=0", "--window-size=1200,900", "about:blank"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=os.name == "posix")
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + timeout
            while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Chromium did not start (exit code {proc.poll()})")
                time.sleep(0.1)
            port = int(port_file.read_text().splitlines()[0])
            ws_url = _page_websocket(port, timeout)
            shot = Path(screenshot) if screenshot else None
            return asyncio.run(_cdp_session(ws_url, Path(page), shot, timeout, evaluate))
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """End Chromium and, on POSIX, every process of its group."""
    def signal_all(sig: int) -> None:
        try:
            if os.name == "posix":
                os.killpg(proc.pid, sig)
            else:
                proc.send_signal(sig)
        except (ProcessLookupError, PermissionError):
            pass

    signal_all(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        pass
    if os.name == "posix":
        signal_all(signal.SIGKILL)  # helpers that did not follow the browser
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


def _page_websocket(port: int, timeout: float) -> str:
    from urllib.request import urlopen

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as resp:
                targets = json.loads(resp.read())
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("Chromium opened no page target")
        time.sleep(0.1)


if __name__ == "__main__":
    check = check_page(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
    print(f"{check.title}: {len(check.images)} images; problems: {check.problems or 'none'}")
    sys.exit(1 if check.problems else 0)
