"""The HTML report of the tiny study, opened in a real headless Chromium: it loads and shows
every figure."""

import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from harness import snakemake

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
# Without the background-networking flags Chromium keeps trying the closed network.
FLAGS = "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking " \
        "--disable-component-update --disable-sync --window-size=1400,1000"


@pytest.fixture
def browser(tmp_path):
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.fail("chromium and chromedriver are needed: run `bash setup.sh --tests`")
    options = webdriver.ChromeOptions()
    for flag in [*FLAGS.split(), f"--user-data-dir={tmp_path / 'profile'}"]:
        options.add_argument(flag)
    options.binary_location = CHROMIUM
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(CHROMEDRIVER))
    yield driver
    driver.quit()


def test_the_report_loads_and_shows_every_figure(tiny_study, tmp_path, browser):
    report = tmp_path / "report.html"
    snakemake(tiny_study, "--report", str(report), check=True)
    figures = sorted(p.name for p in (tiny_study / "results" / "figures").glob("*.png"))
    assert len(figures) >= 8

    browser.get(report.as_uri())
    wait = WebDriverWait(browser, 20)
    wait.until(expected_conditions.element_to_be_clickable((By.XPATH, "//a[normalize-space()='Figures']"))).click()
    for name in figures:
        row = wait.until(expected_conditions.presence_of_element_located(
            (By.XPATH, f"//td[normalize-space(text())='results/figures/{name}']/..")))
        row.find_element(By.XPATH, ".//a[@iconname='eye']").click()
        image = wait.until(expected_conditions.presence_of_element_located(
            (By.XPATH, f"//img[contains(@src, 'filename={name}')]")))
        wait.until(lambda _: browser.execute_script("return arguments[0].complete", image))
        assert browser.execute_script("return arguments[0].naturalWidth", image) > 300, name
    browser.find_element(By.XPATH, "//a[normalize-space()='Results']").click()
    wait.until(expected_conditions.element_to_be_clickable((By.XPATH, "//a[normalize-space()='Tables']"))).click()
    for table in ("reconstruction", "samples", "rate", "latents"):
        wait.until(expected_conditions.presence_of_element_located(
            (By.XPATH, f"//td[normalize-space(text())='results/tables/{table}.csv']")))
