"""The admin console in a real browser, as a member of staff uses it: sign in with the demo owner's
one-time link, find a member, adjust their points with a reason and see the history change; edit
the program with a mistake, see it on its line, fix it, see the diff and apply it."""
import json
import re
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import screenshot

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
    # The post redirects to the overview: wait for the browser to get there.
    WebDriverWait(browser, 10).until(lambda driver: "/sign-in" not in driver.current_url and "/set-password" not in driver.current_url)
    assert browser.current_url.rstrip("/").endswith("/admin") or "/admin?" in browser.current_url
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
