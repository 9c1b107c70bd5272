"""Browser tests of the admin console and the member portal: a real `laurel serve --demo` and a
real Chromium (Debian's `chromium` and `chromium-driver`), driven by Selenium.

    bash .ci/browser-tests.sh            # installs what is missing, builds, runs them all
    LAUREL_BINARY=.build/debug/laurel python3 -m pytest Tests/browser -q

Screenshots go to test-output/screenshots (or $LAUREL_SCREENSHOTS), at phone (390 px) and desktop
(1280 px) width, so anyone can look at what a shop owner and a member would see.
"""
import os
import pathlib
import re
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCREENSHOTS = pathlib.Path(os.environ.get("LAUREL_SCREENSHOTS", ROOT / "test-output" / "screenshots"))
PHONE, DESKTOP = 390, 1280


class Server:
    """A running `laurel serve --demo` on a free loopback port, with its log."""

    def __init__(self, binary: str):
        self.work = tempfile.mkdtemp(prefix="laurel-browser-")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        # localhost, not 127.0.0.1: browsers keep `Secure` cookies over plain http only for localhost.
        self.base_url = f"http://localhost:{self.port}"
        self.log_path = pathlib.Path(self.work) / "server.log"
        self.log_file = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [binary, "serve", "--demo", "--db", f"{self.work}/laurel.db", "--port", str(self.port)],
            stdout=self.log_file, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if self.process.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"laurel serve --demo did not start:\n{self.log()}")
            time.sleep(0.2)

    def log(self) -> str:
        """Everything the server printed so far."""
        self.log_file.flush()
        return self.log_path.read_text()

    def wait_for_log(self, pattern: str, after: int = 0, timeout: float = 10) -> re.Match:
        """The first match of `pattern` in the log past character `after`, waiting for it to appear."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            match = re.compile(pattern).search(self.log(), after)
            if match:
                return match
            time.sleep(0.1)
        raise AssertionError(f"no {pattern!r} in the server log:\n{self.log()[after:]}")

    def admin_key(self) -> str:
        return self.wait_for_log(r"\b(lk_admin_[A-Za-z0-9]+)").group(1)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log_file.close()


@pytest.fixture(scope="session")
def laurel():
    binary = os.environ.get("LAUREL_BINARY", str(ROOT / ".build" / "debug" / "laurel"))
    server = Server(binary)
    yield server
    server.stop()


@pytest.fixture
def browser():
    """A fresh headless Chromium (no cookies from other tests) at desktop width."""
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={DESKTOP},900", "--lang=en-US"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def screenshot(driver, name: str, widths=(PHONE, DESKTOP)):
    """Saves the whole current page as `<name>-<width>.png` at each width, then restores desktop width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in widths:
        driver.set_window_size(width, 900)
        height = driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
        driver.set_window_size(width, min(max(height, 600), 6000))
        driver.save_screenshot(str(SCREENSHOTS / f"{name}-{width}.png"))
    driver.set_window_size(DESKTOP, 900)


def page_weight(driver) -> int:
    """Bytes the current page's document and subresources transferred (before images)."""
    return driver.execute_script("""
        const entries = performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'));
        return entries.filter(e => e.initiatorType !== 'img').reduce((sum, e) => sum + (e.transferSize || e.encodedBodySize || 0), 0);
    """)
