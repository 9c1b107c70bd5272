"""The admin console in a real browser, as a member of staff uses it: sign in with the demo owner's
one-time link and land on the dashboard, find a member, adjust their points with a reason and see
the history change; edit the program with a mistake, see it on its line, fix it, see the diff and
apply it; create a reward and upload its code pool, with a bad row shown by its line."""
import json
import re
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import screenshot, page_weight

PASSWORD = "a long demo password"


def api(laurel, method, path, body=None):
    request = urllib.request.Request(f"http://127.0.0.1:{laurel.port}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {laurel.admin_key()}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def assert_accessible(browser):
    """The page says its language, every field has a label, every image a text alternative."""
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang")
    for field in browser.find_elements(By.CSS_SELECTOR, "input:not([type=hidden]), select, textarea"):
        field_id = field.get_attribute("id")
        labelled = field.get_attribute("aria-label") or (field_id and browser.find_elements(By.CSS_SELECTOR, f"label[for='{field_id}']"))
        assert labelled, f"no label for {field.get_attribute('outerHTML')}"
    for image in browser.find_elements(By.TAG_NAME, "img"):
        assert image.get_attribute("alt") is not None


def sign_in(laurel, browser):
    """Sets the demo owner's password from the link the server printed (once per server), else signs in."""
    if not getattr(laurel, "console_password_set", False):
        token = laurel.wait_for_log(r"/admin/set-password\?token=(pst_[a-z0-9]+)").group(1)
        browser.get(f"{laurel.base_url}/admin/set-password?token={token}")
        browser.find_element(By.ID, "password").send_keys(PASSWORD)
        browser.find_element(By.ID, "confirm_password").send_keys(PASSWORD)
        browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
        laurel.console_password_set = True
    else:
        browser.get(f"{laurel.base_url}/admin/sign-in")
        browser.find_element(By.ID, "email").send_keys("owner@bean-and-thread.example")
        browser.find_element(By.ID, "password").send_keys(PASSWORD)
        browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    # The post redirects to the dashboard, the console's landing page: wait for the browser to get there.
    WebDriverWait(browser, 10).until(lambda driver: "/sign-in" not in driver.current_url and "/set-password" not in driver.current_url)
    assert "/admin/dashboard" in browser.current_url, browser.current_url
    assert "owner@bean-and-thread.example" in browser.page_source


def test_staff_finds_a_member_and_adjusts_points_with_a_reason(laurel, browser):
    api(laurel, "POST", "/v1/members", {"external_id": "console-1", "name": "Ana Díaz", "email": "ana.console@example.com"})
    sign_in(laurel, browser)
    browser.find_element(By.LINK_TEXT, "Members").click()
    search = browser.find_element(By.ID, "q")
    search.send_keys("ana.console")
    search.submit()
    browser.find_element(By.LINK_TEXT, "Ana Díaz").click()
    assert browser.find_element(By.ID, "available").text == "0"

    assert_accessible(browser)
    browser.find_element(By.LINK_TEXT, "Adjust points").click()
    assert_accessible(browser)
    browser.find_element(By.ID, "points").send_keys("500")
    browser.find_element(By.ID, "reason").send_keys("coffee machine broken")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    assert browser.find_element(By.ID, "confirmation").text == "Add 500 points to Ana Díaz: “coffee machine broken”"
    browser.find_element(By.XPATH, "//main//button[normalize-space()='Confirm']").click()
    WebDriverWait(browser, 10).until(lambda driver: "flash=" in driver.current_url)

    assert "The points were adjusted." in browser.page_source
    assert browser.find_element(By.ID, "available").text == "500"
    ledger = browser.find_element(By.ID, "ledger").text
    assert "coffee machine broken" in ledger and "+500" in ledger
    screenshot(browser, "console-member")


def test_program_editor_shows_an_error_in_place_then_the_diff_then_applies(laurel, browser):
    sign_in(laurel, browser)
    browser.get(f"{laurel.base_url}/admin/program/edit")
    source = browser.find_element(By.ID, "source").get_attribute("value")
    assert "coffee-tuesday" in source
    set_source = "document.getElementById('source').value = arguments[0];"

    broken = source.replace("factor: 3", "factor: -3", 1)
    line = broken.split("\n").index(next(l for l in broken.split("\n") if "factor: -3" in l)) + 1
    browser.execute_script(set_source, broken)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    summary = browser.find_element(By.CSS_SELECTOR, ".error-summary").text
    assert re.search(rf"Line {line}: earning_rules\[\d+\]\.effect\.factor", summary), summary
    assert "factor: -3" in browser.find_element(By.ID, "source-error").text
    assert_accessible(browser)
    screenshot(browser, "console-program-editor-error")

    browser.execute_script(set_source, source.replace("factor: 3", "factor: 4", 1))
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    diff = browser.find_element(By.ID, "diff").text
    assert "factor: 4" in diff and "factor: 3" in diff
    browser.find_element(By.XPATH, "//main//button[starts-with(normalize-space(), 'Apply as version')]").click()
    WebDriverWait(browser, 10).until(lambda driver: "flash=" in driver.current_url)

    assert "The new version of the program is live." in browser.page_source
    assert "Quadruple points on coffee and coffee-beans on Tuesdays." in browser.page_source


def test_the_dashboard_shows_the_range_with_charts_and_tables(laurel, browser):
    member = api(laurel, "POST", "/v1/members", {"external_id": "dash-1", "name": "Dana Dash"})
    api(laurel, "POST", "/v1/events", {"member_id": member["id"], "type": "review"})
    api(laurel, "POST", f"/v1/members/{member['id']}/adjustments", {"points": 250, "reason": "dashboard test"})
    sign_in(laurel, browser)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Dashboard"
    assert int(browser.find_element(By.ID, "members-total").text.replace(",", "")) >= 1
    assert int(browser.find_element(By.ID, "points-issued").text.replace(",", "")) >= 1
    assert browser.find_element(By.ID, "liability").text.startswith("€")
    # The charts are drawn by the stylesheet's rules (the page's policy allows no inline styles).
    line = browser.find_element(By.CSS_SELECTOR, "#chart-points-title").find_element(By.XPATH, "..")
    assert line.get_attribute("role") == "img"
    assert browser.execute_script("return getComputedStyle(document.querySelector('polyline.line')).fill") == "none"
    assert page_weight(browser) < 100_000
    assert_accessible(browser)
    # The presets and the form choose the range; keyboard only.
    browser.find_element(By.LINK_TEXT, "Last 90 days").click()
    WebDriverWait(browser, 10).until(lambda driver: "from=" in driver.current_url)
    assert browser.find_element(By.ID, "from").get_attribute("value") != ""
    screenshot(browser, "console-dashboard")
    browser.get(f"{laurel.base_url}/admin/dashboard?from=2026-13-01")
    assert "Enter a date such as 2026-03-01" in browser.find_element(By.CSS_SELECTOR, ".error-summary").text


def test_a_manager_creates_a_reward_and_uploads_its_codes(laurel, browser):
    sign_in(laurel, browser)
    browser.get(f"{laurel.base_url}/admin/rewards")
    browser.find_element(By.LINK_TEXT, "New reward").click()
    definition = "id: partner-card\nname: Partner gift card\ntype: free_product\nsku: PARTNER-5\ncost: 300\ncodes: pool\n"
    browser.execute_script("document.getElementById('definition').value = arguments[0];", definition)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda driver: "flash=" in driver.current_url)
    assert "The reward was saved." in browser.page_source
    browser.find_element(By.XPATH, "//a[starts-with(normalize-space(), 'Upload codes') and contains(@href, 'partner-card')]").click()
    assert_accessible(browser)
    codes = browser.find_element(By.ID, "codes")
    codes.send_keys("code\nPARTNER-0001\nnot valid\nPARTNER-0002\n")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    rows = browser.find_element(By.ID, "bad-rows").text
    assert "3" in rows and "not valid" in rows
    screenshot(browser, "console-reward-codes-error")
    codes = browser.find_element(By.ID, "codes")
    codes.clear()
    codes.send_keys("code\nPARTNER-0001\nPARTNER-0002\n")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda driver: "flash=" in driver.current_url)
    assert "The codes were added to the pool." in browser.page_source
    row = browser.find_element(By.XPATH, "//tr[td[contains(., 'partner-card')]]").text
    assert " 2" in row, row
