"""The HTML report of the tiny study, opened in a real headless Chromium: it loads and shows
every figure, every table as a table, and the Experiments section and its appendix as pages."""

import shutil
from importlib import metadata

import pytest
from harness import snakemake
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from shapestudy.reporting.figures import FIGURES

pytestmark = pytest.mark.browser
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


def open_item(browser, wait, report, category: str, label: str, shown):
    """Show the report item of `category` labelled `label`, from the report's start page, and return
    the element located by `shown` once it is there. A click that lands while the page is still
    rendering is lost, be it on the category or on the item, so the item is opened again from the
    start page until `shown` appears (three tries)."""
    for attempt in range(3):
        browser.get(report.as_uri())
        try:
            wait.until(expected_conditions.element_to_be_clickable((By.XPATH, f"//a[normalize-space()='{category}']"))).click()
            row = WebDriverWait(browser, 20).until(expected_conditions.presence_of_element_located(
                (By.XPATH, f"//td[normalize-space(text())='{label}']/..")))
            row.find_element(By.XPATH, ".//a[@iconname='eye']").click()
            return WebDriverWait(browser, 20).until(expected_conditions.presence_of_element_located(shown))
        except (TimeoutException, StaleElementReferenceException):
            if attempt == 2:
                raise AssertionError(f"report item {category} / {label} never showed {shown}") from None


def framed_page(browser, wait):
    """Enter the frame in which the report shows an HTML item; returns the page's visible text."""
    browser.switch_to.frame(wait.until(expected_conditions.presence_of_element_located((By.TAG_NAME, "iframe"))))
    return wait.until(expected_conditions.visibility_of_element_located((By.TAG_NAME, "body"))).text


def first_row(markdown: str) -> dict[str, str]:
    """The first row of the first Markdown table in `markdown`, by column."""
    rows = [line.strip("| ").split(" | ") for line in markdown.splitlines() if line.startswith("| ")]
    return dict(zip(rows[0], rows[1]))


def test_the_report_loads_and_shows_every_figure_table_and_the_experiments(tiny_study, tmp_path, browser):
    report = tmp_path / "report.html"
    snakemake(tiny_study, "--report", str(report), check=True)
    results = tiny_study / "results"
    figures = sorted(p.stem for p in (results / "figures").glob("*.png"))
    assert len(figures) >= 8

    browser.get(report.as_uri())
    wait = WebDriverWait(browser, 60)
    # The start page lists the categories in pipeline order; each item is listed by its label.
    wait.until(expected_conditions.element_to_be_clickable((By.XPATH, "//a[normalize-space()='1. Tables']")))
    menu = browser.find_elements(By.XPATH, "//a[contains(normalize-space(), '. ')]")
    assert [item.text.strip() for item in menu] == ["1. Tables", "2. Figures", "3. Experiments"]
    for name in figures:
        image = open_item(browser, wait, report, "2. Figures", name,
                          (By.XPATH, f"//img[contains(@src, 'filename={name}.png')]"))
        wait.until(lambda _: browser.execute_script("return arguments[0].complete", image))
        assert browser.execute_script("return arguments[0].naturalWidth", image) > 300, name
    # Each table is a table in the page, with the numbers of results/tables/{table}.md.
    for table, column in (("reconstruction", "mse"), ("sample_quality", "validity"), ("rate", "rate_bits"), ("latents", "mig")):
        open_item(browser, wait, report, "1. Tables", table, (By.TAG_NAME, "iframe"))
        row = first_row((results / "tables" / f"{table}.md").read_text())
        text = framed_page(browser, wait)
        cells = [cell.text for cell in browser.find_elements(By.XPATH, "//table/tbody/tr[1]/td")]
        browser.switch_to.default_content()
        assert row[column] in cells and row[column] in text, (table, column, row[column])
    # The Experiments section is a page: its first sentence, a number of its tables, its figures.
    open_item(browser, wait, report, "3. Experiments", "Experiments", (By.TAG_NAME, "iframe"))
    experiments = (results / "report" / "experiments.md").read_text()
    sentence = next(line for line in experiments.splitlines() if line.startswith("Data: ")).split("; ")[0]
    text = framed_page(browser, wait)
    assert sentence in text and list(first_row(experiments).values())[-1] in text
    # Its caption names the library versions of the run records (constraints.txt).
    assert f"jax {metadata.version('jax')}, jaxlib {metadata.version('jaxlib')}" in report.read_text()
    # The section shows the main figures, the appendix every figure.
    assert_images_shown(browser, wait, len([name for name in figures if FIGURES[name].main]))
    browser.switch_to.default_content()
    open_item(browser, wait, report, "3. Experiments", "Appendix", (By.TAG_NAME, "iframe"))
    assert "Appendix" in framed_page(browser, wait)
    assert_images_shown(browser, wait, len(figures))


def assert_images_shown(browser, wait, count: int):
    """The framed page shows `count` images, each loaded and drawn."""
    images = browser.find_elements(By.TAG_NAME, "img")
    assert len(images) == count
    for image in images:
        wait.until(lambda _: browser.execute_script("return arguments[0].complete", image))
        assert browser.execute_script("return arguments[0].naturalWidth", image) > 300
