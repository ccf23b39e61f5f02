"""Constants and page helpers shared by the e2e tests (the fixtures are in conftest.py)."""
import json
import re
from pathlib import Path

E2E_DIR = Path(__file__).resolve().parent
COURSE_ROOT = E2E_DIR.parent.parent
ARTIFACTS = E2E_DIR / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
REFERENCE_STUDENT = "reference"   # the instructor flow's submission: the solution notebook of topic 01
REFERENCE_NAME = ("Reference", "Solution")   # (first, last) as the formgrader's student list shows it
GRADED_TOPIC = "01_gradient_descent"
TOPIC_IDS = ("01_gradient_descent", "02_backprop", "03_activations", "04_mlp_mnist", "05_normalization")
VIEWPORT = {"width": 1400, "height": 900}

# Timeouts (s): generous for a 2-core machine shared with other jobs, but every wait is bounded.
SERVER_START_TIMEOUT = 120
NBGRADER_TIMEOUT = 600
UI_TIMEOUT = 90           # a page element or a dialog to appear
KERNEL_TIMEOUT = 120      # a kernel to start and answer
RUN_ALL_TIMEOUT = 600     # a whole lecture to run



def run_js(page, body, arg=None, timeout=UI_TIMEOUT):
    """Run ``async (arg) => { body }`` in the page, bounded: page.evaluate itself has no timeout."""
    script = f"""async (arg) => {{
        const work = (async () => {{ {body} }})();
        const timer = new Promise((_, reject) =>
            setTimeout(() => reject(new Error("in-page step timed out after {timeout} s")), {timeout * 1000}));
        return await Promise.race([work, timer]);
    }}"""
    return page.evaluate(script, arg)


def check_screenshot(page, name, locator=None):
    """Save ``artifacts/<name>.png`` and fail on a blank or uniform picture."""
    from PIL import Image

    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    (locator or page).screenshot(path=str(path))
    with Image.open(path) as img:
        rgb = img.convert("RGB")
        width, height = rgb.size
        colors = rgb.getcolors(maxcolors=width * height)
    dominant = max(count for count, _ in colors) / (width * height)
    assert width >= 200 and height >= 150, f"{path}: tiny screenshot {width}x{height}"
    assert len(colors) >= 64 and dominant < 0.97, (
        f"{path} looks blank: {len(colors)} colours, the commonest covers {dominant:.1%} of it")
    return path


def open_notebook(page, lab, relpath):
    """Open ``relpath`` in /lab with a reset layout; returns once the notebook and its kernel answer."""
    page.goto(lab.url(f"lab/tree/{relpath}", reset=True), wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell && "
                           "window.jupyterapp.shell.currentWidget && "
                           "window.jupyterapp.shell.currentWidget.content && "
                           "window.jupyterapp.shell.currentWidget.context && "
                           f"window.jupyterapp.shell.currentWidget.context.path === {json.dumps(relpath)}",
                           timeout=UI_TIMEOUT * 1000)
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").first.wait_for()
    wait_for_kernel(page)


def wait_for_kernel(page):
    """The execution indicator says idle AND the kernel answers a silent request (the indicator
    alone is too early: Run All fired then is lost about half the time)."""
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(
        timeout=KERNEL_TIMEOUT * 1000)
    reply = run_js(page, """
        const panel = window.jupyterapp.shell.currentWidget;
        await panel.sessionContext.ready;
        const kernel = panel.sessionContext.session.kernel;
        const msg = await kernel.requestExecute({code: "", silent: true, store_history: false}).done;
        return msg.content.status;
    """, timeout=KERNEL_TIMEOUT)
    assert reply == "ok", f"the kernel answered a silent execute with {reply!r}"


def click_menu(page, menu, item):
    """Main menu ``menu`` > ``item``, clicked as a person would."""
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(menu)}$")).click()
    entry = page.locator(".lm-Menu:visible .lm-Menu-itemLabel",
                         has_text=re.compile(f"^{re.escape(item)}$"))
    entry.first.click()
