"""The shared parts every page relies on, seen by a real browser."""
from conftest import page_weight


def test_the_stylesheet_loads_with_a_long_cache(laurel, browser):
    browser.get(f"{laurel.base_url}/assets/laurel.css")
    assert "--brand-primary" in browser.page_source
    entries = browser.execute_script("return performance.getEntriesByType('navigation').map(e => e.transferSize)")
    assert entries and entries[0] < 100_000
    assert page_weight(browser) < 100_000


def test_the_demo_prints_an_admin_key(laurel):
    assert laurel.admin_key().startswith("lk_admin_")
