"""The playground in a real browser (Debian's chromium and chromedriver, driven by selenium),
through nginx over HTTPS: every operation of the OpenAPI document is on the page, a wrong key
reads as an error, an upload with variants shows 201 and its thumbnail, the variant redirect
and the download show their images, the list answers, an async variants job is followed to
the end, a delete names its media in the query, a resumable (tus) upload pauses and resumes,
a presigned multipart upload's answer leads to its next steps, the page fits a phone, and the
static files carry a strict Content-Security-Policy. Screenshots go to test-artifacts/."""
import io
import json
import os
import pathlib

import pytest
from PIL import Image

import support
from installs import require_commands, require_module

REPO = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT_SECONDS = 60


def documented_operations():
    with open(REPO / "public" / "openapi.json", encoding="utf-8") as document:
        paths = json.load(document)["paths"]
    return {(method.upper(), path) for path, item in paths.items() for method in item if method != "parameters"}


@pytest.fixture(scope="module")
def webdriver():
    require_commands([CHROMIUM, CHROMEDRIVER], ["chromium", "chromium-driver"])
    selenium = require_module("selenium.webdriver", "selenium>=4.20")
    from selenium.webdriver.chrome.service import Service

    # Offline: the driver is Debian's; Selenium Manager must never try to download one.
    os.environ["SE_OFFLINE"] = "true"
    options = selenium.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--ignore-certificate-errors",
                     "--window-size=1280,1600", "--lang=en-US"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = selenium.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def page(webdriver, base_url):
    """The playground, loaded once; the tests below use it in order like a person would."""
    from selenium.webdriver.common.by import By

    webdriver.get(base_url + "/")
    wait_until(webdriver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "details.op")) >= len(documented_operations()))
    return webdriver


def wait_until(driver, condition, timeout=WAIT_SECONDS):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(condition)


def screenshot(driver, name):
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / name))


def set_key(driver, key):
    from selenium.webdriver.common.by import By

    field = driver.find_element(By.ID, "api-key")
    field.clear()
    field.send_keys(key)


def open_operation(driver, operation_id):
    """Opens an operation's section with the keyboard (Enter on its summary) and returns it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    section = driver.find_element(By.ID, f"op-{operation_id}")
    if section.get_attribute("open") is None:
        summary = section.find_element(By.TAG_NAME, "summary")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", summary)
        summary.send_keys(Keys.ENTER)
        wait_until(driver, lambda d: section.get_attribute("open") is not None)
    return section


def send(driver, section, expected_prefix=None):
    """Clicks the section's send button and waits for the status line; returns its text."""
    from selenium.webdriver.common.by import By

    previous = driver.execute_script("return arguments[0].querySelector('.result .status-code')", section)
    button = section.find_element(By.CSS_SELECTOR, "button.send")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()

    def answered(d):
        status = section.find_elements(By.CSS_SELECTOR, ".result .status-code")
        if not status or (previous is not None and status[0] == previous):
            return False
        return status[0].text or False

    text = wait_until(driver, answered)
    if expected_prefix:
        assert text.startswith(expected_prefix), f"{text}: {section.find_element(By.CSS_SELECTOR, '.result').text}"
    return text


def jpeg_file(directory, name="playground.jpg", size=(640, 400)):
    image = Image.new("RGB", size)
    for x in range(0, size[0], 8):
        for y in range(0, size[1], 8):
            image.paste((x * 255 // size[0], y * 255 // size[1], 160), (x, y, x + 8, y + 8))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    path = pathlib.Path(directory) / name
    path.write_bytes(out.getvalue())
    return path


def upload_through_form(driver, path, org, variants=True, async_job=False):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    section = open_operation(driver, "uploadMedia")
    section.find_element(By.ID, "uploadMedia-form-file").send_keys(str(path))
    org_field = section.find_element(By.ID, "uploadMedia-form-orgSlug")
    org_field.clear()
    org_field.send_keys(org)
    for name, wanted in (("generateVariants", variants), ("async", async_job)):
        toggle = section.find_element(By.ID, f"uploadMedia-form-{name}")
        if toggle.is_selected() != wanted:
            # Toggles are checkboxes styled as switches: operated with the space bar.
            driver.execute_script("arguments[0].focus()", toggle)
            ActionChains(driver).send_keys(Keys.SPACE).perform()
        assert toggle.is_selected() == wanted
    return section


def test_page_shows_every_operation_of_the_document(page):
    from selenium.webdriver.common.by import By

    shown = {(s.get_attribute("data-method"), s.get_attribute("data-path"))
             for s in page.find_elements(By.CSS_SELECTOR, "details.op")}
    assert shown == documented_operations()
    headings = [h.text for h in page.find_elements(By.CSS_SELECTOR, "section.tag > h2")]
    assert headings == ["System", "Upload", "Query", "Processing", "Variants", "Downloads", "Delete", "Jobs"]
    # Every control has a label (keyboard and screen-reader use).
    unlabeled = page.execute_script(
        "return [...document.querySelectorAll('main input, main select, main textarea')]"
        ".filter(e => !e.labels || e.labels.length === 0).map(e => e.id)")
    assert unlabeled == []
    problems = [entry["message"] for entry in page.get_log("browser") if entry["level"] == "SEVERE"]
    assert problems == [], "console errors (a CSP violation shows here too)"


def test_static_files_carry_a_strict_csp_and_revalidate(http, base_url):
    page = http.get(base_url + "/")
    assert page.status_code == 200
    policy = page.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in policy and "style-src 'self'" in policy, \
        f"CSP missing or loose ({policy!r}): is nginx/playground.conf included in the server block?"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "no-cache" in page.headers.get("Cache-Control", "")
    for name, content_type in (("openapi.json", "application/json"), ("openapi.yaml", "application/yaml")):
        response = http.get(f"{base_url}/{name}")
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith(content_type)
        source = REPO / ("public/openapi.json" if name.endswith("json") else "openapi.yaml")
        assert response.content == source.read_bytes()


def test_wrong_key_reads_as_an_error(page):
    from selenium.webdriver.common.by import By

    set_key(page, "mk_wrong_key_for_the_playground_test")
    section = open_operation(page, "listMedia")
    send(page, section, "401")
    summary = section.find_element(By.CSS_SELECTOR, ".result .error-summary").text
    assert "unauthorized" in summary and len(summary) > len("unauthorized") + 5


def test_upload_with_variants_shows_201_and_the_thumbnail(page, demo_key, tmp_path):
    from selenium.webdriver.common.by import By

    set_key(page, demo_key)
    section = upload_through_form(page, jpeg_file(tmp_path), os.environ.get("MEDIA_DEMO_ORG", "demo"))
    send(page, section, "201")
    thumbnail = wait_until(page, lambda d: section.find_elements(By.CSS_SELECTOR, "img.variant-thumbnail"))[0]
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", thumbnail)
    loaded = wait_until(page, lambda d: d.execute_script(
        "return arguments[0].complete && arguments[0].naturalWidth", thumbnail))
    assert 0 < loaded <= 245
    curl = section.find_element(By.CSS_SELECTOR, ".curl-command").text
    assert "-X POST" in curl and "/api/v1/media/upload" in curl and "file=@playground.jpg" in curl
    assert demo_key not in curl, "the shown command names $MEDIA_API_KEY, not the key"
    screenshot(page, "playground-upload.png")


def test_variant_redirect_shows_the_image_it_leads_to(page):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    # The upload's answer offers its media to the other forms (bucket, folder, id, key).
    use = page.find_element(By.CSS_SELECTOR, "#op-uploadMedia .use-media")
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", use)
    use.click()
    section = open_operation(page, "redirectToVariant")
    assert section.find_element(By.ID, "redirectToVariant-path-folder").get_attribute("value").startswith(os.environ.get("MEDIA_DEMO_ORG", "demo") + "/")
    Select(section.find_element(By.ID, "redirectToVariant-path-variantName")).select_by_value("thumbnail")
    send(page, section, "302")
    image = wait_until(page, lambda d: section.find_elements(By.CSS_SELECTOR, ".result figure.location img"))[0]
    assert wait_until(page, lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image)) > 0
    assert "/thumbnail." in image.get_attribute("src")


def test_download_shows_the_image_inline(page):
    from selenium.webdriver.common.by import By

    section = open_operation(page, "downloadObject")
    assert section.find_element(By.ID, "downloadObject-path-objectKey").get_attribute("value").endswith("/original.jpg")
    send(page, section, "200")
    image = wait_until(page, lambda d: section.find_elements(By.CSS_SELECTOR, ".result figure.shot img"))[0]
    assert image.get_attribute("src").startswith("blob:")
    assert wait_until(page, lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image)) == 640


def test_list_shows_the_uploaded_media(page):
    from selenium.webdriver.common.by import By

    section = open_operation(page, "listMedia")
    send(page, section, "200")
    body = json.loads(section.find_element(By.CSS_SELECTOR, ".result pre.json").get_attribute("textContent"))
    assert body["total"] >= 1
    assert any(item["filename"] == "playground.jpg" for item in body["items"])


def test_async_upload_job_is_followed_to_completion(page, tmp_path):
    from selenium.webdriver.common.by import By

    section = upload_through_form(page, jpeg_file(tmp_path, "async.jpg"), os.environ.get("MEDIA_DEMO_ORG", "demo"),
                                  variants=True, async_job=True)
    send(page, section, "202")
    follow = section.find_element(By.CSS_SELECTOR, "button.follow-job")
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", follow)
    follow.click()
    job = section.find_element(By.CSS_SELECTOR, ".job")
    wait_until(page, lambda d: "completed" in job.get_attribute("class") or "failed" in job.get_attribute("class"), 120)
    assert "completed" in job.get_attribute("class"), job.text
    assert job.find_element(By.TAG_NAME, "progress").get_attribute("value") == "100"
    screenshot(page, "playground-job.png")


def test_delete_names_the_media_by_id_in_the_query(page, tmp_path):
    """The delete's query is one form-exploded object (`id` or `objectKey`): a field for each."""
    from selenium.webdriver.common.by import By

    media = support.api("POST", "/api/v1/media/upload", files={"file": ("gone.jpg", jpeg_file(tmp_path, "gone.jpg").read_bytes())},
                        data={"orgSlug": os.environ.get("MEDIA_DEMO_ORG", "demo")}).json()["media"]
    section = open_operation(page, "deleteMedia")
    assert not section.find_elements(By.ID, "deleteMedia-query-media"), "the object's own name is no field"
    # Exactly one of the two: the key an earlier answer may have filled in goes.
    section.find_element(By.ID, "deleteMedia-query-objectKey").clear()
    field = section.find_element(By.ID, "deleteMedia-query-id")
    field.clear()
    field.send_keys(media["id"])
    send(page, section, "200")
    assert f"/api/v1/media/?id={media['id']}" in section.find_element(By.CSS_SELECTOR, ".curl-command").text
    assert support.api("GET", f"/api/v1/media/{media['id']}").status_code == 404


def test_resumable_upload_pauses_and_resumes(page, demo_key, tmp_path):
    """The tus form: a file in PATCH chunks with a progress bar; Pause is clicked while the
    server holds a chunk (after it stored the first part), so the upload is surely mid-way;
    it stops at that chunk's end, the server's offset agrees, and Resume finishes it."""
    import hashlib

    from selenium.webdriver.common.by import By
    from tus_helpers import MiB, offset, pdf_bytes

    set_key(page, demo_key)
    data = pdf_bytes(18 * MiB)
    path = pathlib.Path(tmp_path) / "resumable.pdf"
    path.write_bytes(data)
    section = open_operation(page, "createResumableUpload")
    section.find_element(By.ID, "resumable-file").send_keys(str(path))
    org = section.find_element(By.ID, "resumable-orgSlug")
    org.clear()
    org.send_keys(os.environ.get("MEDIA_DEMO_ORG", "demo"))
    chunk = section.find_element(By.ID, "resumable-chunk")
    chunk.clear()
    chunk.send_keys("5")
    state = section.find_element(By.ID, "resumable-state")
    progress = section.find_element(By.ID, "resumable-progress")

    with support.Hold("resumable.part-stored") as hold:
        start = section.find_element(By.ID, "resumable-start")
        page.execute_script("arguments[0].scrollIntoView({block: 'center'})", start)
        start.click()
        # The second 5 MiB chunk fills the first 8 MiB part: the server holds it there.
        hold.wait(timeout=WAIT_SECONDS)
        section.find_element(By.ID, "resumable-pause").click()
        assert "Pausing" in state.text
        hold.release()
    wait_until(page, lambda d: state.get_attribute("data-paused") == "true")
    paused_at = int(progress.get_attribute("data-offset"))
    assert paused_at == 10 * MiB, "the chunk on its way finished, the next one was not sent"
    location = section.find_element(By.ID, "resumable-location").text.split("Upload URL: ", 1)[1]
    assert offset(location) == paused_at, "the server counts what the page shows"
    assert progress.get_attribute("max") == str(len(data))
    screenshot(page, "playground-resumable-paused.png")

    section.find_element(By.ID, "resumable-resume").click()
    media_id = wait_until(page, lambda d: state.get_attribute("data-media-id"), 120)
    assert progress.get_attribute("value") == str(len(data))
    assert media_id == location.rsplit("/", 1)[1]
    media = support.api("GET", f"/api/v1/media/{media_id}").json()
    assert media["status"] == "ready" and media["size"] == len(data)
    assert media["checksum"] == "sha256:" + hashlib.sha256(data).hexdigest()
    screenshot(page, "playground-resumable.png")


def test_presigned_multipart_answer_leads_to_the_next_steps(page, demo_key):
    """Its creation form's example starts an upload; the answer explains the PUTs and fills the
    upload's id into the other multipart forms, whose listing then answers."""
    from selenium.webdriver.common.by import By

    set_key(page, demo_key)
    section = open_operation(page, "createMultipartUpload")
    send(page, section, "201")
    step = section.find_element(By.CSS_SELECTOR, ".result .next-step")
    assert "ETag" in step.text and step.find_element(By.CSS_SELECTOR, "a[href='#op-completeMultipartUpload']")
    assert "X-Amz-Signature" in step.find_element(By.TAG_NAME, "pre").text
    listing = open_operation(page, "getMultipartUpload")
    media_id = listing.find_element(By.ID, "getMultipartUpload-path-id").get_attribute("value")
    send(page, listing, "200")
    body = json.loads(listing.find_element(By.CSS_SELECTOR, ".result pre.json").get_attribute("textContent"))
    assert (body["mediaId"], body["partCount"], body["parts"]) == (media_id, 4, [])
    assert support.api("DELETE", f"/api/v1/media/upload/multipart/{media_id}").status_code == 204


def test_page_fits_a_phone(page):
    page.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                         {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    try:
        page.refresh()
        wait_until(page, lambda d: d.execute_script("return document.querySelectorAll('details.op').length") > 0)
        section = open_operation(page, "uploadMedia")
        # Reading scrollWidth lays the page out anew: once the section is open at the phone's
        # width, the figure below is the phone's.
        wait_until(page, lambda d: section.get_attribute("open") is not None
                   and d.execute_script("return window.innerWidth") == 390)
        overflow = page.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow}px wider than the phone"
        screenshot(page, "playground-phone.png")
    finally:
        page.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_no_content_security_policy_violations(page):
    """Last: whatever the tests above did, the page never needed a relaxed CSP."""
    violations = [entry["message"] for entry in page.get_log("browser") if "Content Security Policy" in entry["message"]]
    assert violations == []
