"""The member portal in a real browser: a member signs in with the code from the server log,
redeems a reward after its confirmation step and sees the balance fall; screenshots of the home
page, the catalogue and the confirmation at phone and desktop width."""
import json
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import screenshot, page_weight


def api(laurel, method, path, body):
    request = urllib.request.Request(f"http://127.0.0.1:{laurel.port}{path}", method=method, data=json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {laurel.admin_key()}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def wait_for_url(browser, ending):
    """Waits for the navigation a click started (a form post answers with a redirect) to arrive."""
    WebDriverWait(browser, 10).until(lambda driver: ending in driver.current_url)


def balance(browser):
    return browser.find_element(By.CSS_SELECTOR, ".balance-number").text


def test_member_signs_in_with_the_logged_code_redeems_and_sees_the_balance_fall(laurel, browser):
    member = api(laurel, "POST", "/v1/members", {"external_id": "portal-mia", "email": "mia@example.com", "name": "Mia"})
    # A product review (50 points at once, and her first tier) and a welcome gift from the staff.
    api(laurel, "POST", "/v1/events", {"member_id": member["id"], "type": "review"})
    api(laurel, "POST", f"/v1/members/{member['id']}/adjustments", {"points": 1150, "reason": "welcome to the portal test"})

    browser.get(f"{laurel.base_url}/p/demo")
    assert browser.current_url.endswith("/p/demo/sign-in")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    screenshot(browser, "portal-sign-in")
    log_before = len(laurel.log())
    browser.find_element(By.ID, "name").send_keys("mia@example.com")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for_url(browser, "/p/demo/sign-in/code")
    code = laurel.wait_for_log(rf"sign-in code for member {member['id']} \(mia@example\.com\): (\d{{6}})", after=log_before).group(1)
    browser.find_element(By.ID, "code").send_keys(code)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()

    WebDriverWait(browser, 10).until(lambda driver: driver.current_url.endswith("/p/demo"))
    assert balance(browser) == "1,200"
    assert "Your tier journey" in browser.page_source
    assert "You are here" in browser.page_source
    assert page_weight(browser) < 100_000
    screenshot(browser, "portal-home")

    browser.find_element(By.LINK_TEXT, "Rewards").click()
    wait_for_url(browser, "/p/demo/rewards")
    assert "Any coffee, on us" in browser.page_source
    assert "For Roastery Club" in browser.page_source  # the members-only cupping evening, marked
    screenshot(browser, "portal-rewards")
    browser.find_element(By.CSS_SELECTOR, "a[href='/p/demo/rewards/free-coffee/redeem']").click()
    wait_for_url(browser, "/p/demo/rewards/free-coffee/redeem")
    assert "Redeem “Any coffee, on us” for 150 points?" in browser.page_source
    assert "Your balance will be 1,200 → 1,050 points." in browser.page_source
    screenshot(browser, "portal-redeem-confirmation")
    browser.find_element(By.XPATH, "//button[normalize-space()='Yes, redeem']").click()

    wait_for_url(browser, "/p/demo/redemptions?redeemed=rdm_")
    assert "Done: you redeemed Any coffee, on us." in browser.page_source
    screenshot(browser, "portal-redemptions")
    browser.find_element(By.LINK_TEXT, "My points").click()
    WebDriverWait(browser, 10).until(lambda driver: driver.current_url.endswith("/p/demo"))
    assert balance(browser) == "1,050"

