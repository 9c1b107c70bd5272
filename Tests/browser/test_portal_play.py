"""The member portal's play page in a real browser: a member signs in with the code from the server
log, opens Play from the navigation, spins the demo's Lucky Bean wheel and sees the result page
with the prize; screenshots of the play page and the result at phone and desktop width."""
import json
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import screenshot, page_weight
from test_console import assert_accessible


def api(laurel, method, path, body):
    request = urllib.request.Request(f"http://127.0.0.1:{laurel.port}{path}", method=method, data=json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {laurel.admin_key()}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def wait_for_url(browser, ending):
    WebDriverWait(browser, 10).until(lambda driver: ending in driver.current_url)


def test_member_opens_play_spins_the_demo_wheel_and_sees_the_prize(laurel, browser):
    member = api(laurel, "POST", "/v1/members", {"external_id": "play-noa", "email": "noa@example.com", "name": "Noa"})
    # A product review: 50 points, a free play on the wheel, an entry in the raffle, a third of the monthly challenge.
    api(laurel, "POST", "/v1/events", {"member_id": member["id"], "type": "review"})
    api(laurel, "POST", f"/v1/members/{member['id']}/adjustments", {"points": 450, "reason": "play page test"})

    browser.get(f"{laurel.base_url}/p/demo/sign-in")
    log_before = len(laurel.log())
    browser.find_element(By.ID, "name").send_keys("noa@example.com")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for_url(browser, "/p/demo/sign-in/code")
    code = laurel.wait_for_log(rf"sign-in code for member {member['id']} \(noa@example\.com\): (\d{{6}})", after=log_before).group(1)
    browser.find_element(By.ID, "code").send_keys(code)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda driver: driver.current_url.endswith("/p/demo"))

    browser.find_element(By.LINK_TEXT, "Play").click()
    wait_for_url(browser, "/p/demo/play")
    source = browser.page_source
    assert "Lucky Bean wheel" in source
    assert "You have 1 free play." in source
    assert "Three reviews this month" in source and "1 of 3" in source
    assert "Every 10th coffee free" in source and "0 of 10 stamps" in source
    assert "Summer draw" in source and "An entry you earned is used first" in source and "Invite friends" in source
    assert page_weight(browser) < 100_000
    assert_accessible(browser)
    screenshot(browser, "portal-play")

    # Keyboard only: focus the wheel's Spin button and press Enter.
    button = browser.find_element(By.CSS_SELECTOR, "form[action='/p/demo/play/wheels/lucky-bean/spin'] button")
    assert button.text.startswith("Spin with a free play")
    browser.execute_script("arguments[0].focus()", button)
    button.send_keys("\n")
    wait_for_url(browser, "/p/demo/play/spins/spn_")
    prize = browser.find_element(By.CSS_SELECTOR, ".spin-prize").text
    assert prize.startswith("You won") or prize.startswith("No prize this time")
    assert "This spin used a free play." in browser.page_source
    spins = json.loads(urllib.request.urlopen(urllib.request.Request(
        f"http://127.0.0.1:{laurel.port}/v1/members/{member['id']}/games/spins",
        headers={"Authorization": f"Bearer {laurel.admin_key()}"}), timeout=10).read())["data"]
    assert len(spins) == 1 and spins[0]["paid_with"] == "play"
    assert_accessible(browser)
    screenshot(browser, "portal-spin-result")
