"""The screenshot check itself: a blank page must fail it (so a blank flow fails its test)."""
import pytest

from lab_helpers import ARTIFACTS, check_screenshot

pytestmark = pytest.mark.e2e


def test_a_blank_page_fails_the_screenshot_check(page):
    page.set_content("<html><body style='background:#fff'></body></html>")
    with pytest.raises(AssertionError, match="looks blank"):
        check_screenshot(page, "selfcheck_blank")
    (ARTIFACTS / "selfcheck_blank.png").unlink()


def test_a_page_with_one_word_fails_the_screenshot_check(page):
    page.set_content("<html><body><p>Error</p></body></html>")
    with pytest.raises(AssertionError, match="looks blank"):
        check_screenshot(page, "selfcheck_one_word")
    (ARTIFACTS / "selfcheck_one_word.png").unlink()
