"""The shared parts every page relies on, seen by a real browser."""
import re
import urllib.request

from conftest import page_weight


def test_pages_link_a_versioned_stylesheet_cached_for_a_year(laurel, browser):
    browser.get(f"{laurel.base_url}/admin/sign-in")
    link = browser.find_element("css selector", "link[rel=stylesheet]").get_attribute("href")
    assert re.search(r"/assets/laurel\.css\?v=[0-9a-f]{12}$", link), link
    with urllib.request.urlopen(link.replace("localhost", "127.0.0.1"), timeout=10) as answer:
        assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert b"--brand-primary" in answer.read()
    assert page_weight(browser) < 100_000


def test_the_demo_prints_an_admin_key(laurel):
    assert laurel.admin_key().startswith("lk_admin_")
