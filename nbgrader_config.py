"""nbgrader configuration for the nnlib course (run nbgrader from this folder)."""

import os

c = get_config()  # noqa: F821  (provided by nbgrader/traitlets when this file is loaded)

c.CourseDirectory.course_id = "nnlib-course"
# The course root is the folder holding this file (traitlets sets __file__ while loading it),
# so a copy of the course in another folder grades its own files.
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
# Layout: reference notebooks (nbgrader "source") live in solutions/, releases in assignments/.
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"

# Each cell gets at most this many seconds; a cell that runs longer (an infinite loop) is
# interrupted and scored 0, and the rest of the notebook is still graded.
c.ExecutePreprocessor.timeout = 120

# ---- Hardening for real submissions (docs/instructors.md explains each line) ----
# A deleted test cell is put back (from the gradebook) and graded, instead of waiting for a manual grade forever.
c.OverwriteCells.add_missing_cells = True

# Feedback never shows hidden tests: ClearHiddenTests removes them from the source, and
# ClearHiddenTracebacks (coursetools) first cuts error messages that would quote a hidden line.
# Named by strings, not classes, so the Formgrader can show its configuration (it must be JSON).
# The page itself (coursetools/feedback.py, docs/instructors.md "The feedback page"): graded cells named after
# their part, "pending" for written answers not graded by hand yet, every error's message first with the frames
# of the notebook's cells only, wrapped lines, math as MathML (no MathJax, nothing from the network).
c.GenerateFeedback.preprocessors = [
    "coursetools.feedback.GetGrades",         # nbgrader's, plus which grades still wait for a grader
    "coursetools.feedback.NameParts",
    "coursetools.feedback.ClearHiddenTracebacks",
    "coursetools.feedback.MessageFirst",
    "coursetools.feedback.ClearHiddenTests",  # nbgrader's, minus a config warning (coursetools/feedback.py)
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.GenerateFeedback.exporter_class = "coursetools.feedback.FeedbackExporter"

# SQLAlchemy 2 (alembic, which nbgrader needs, requires it) warns "Object of type <SubmittedAssignment> not in
# session" while nbgrader builds a new submission; nbgrader adds that object to the session right after
# (nbgrader/api.py, Gradebook.add_submission), so nothing is lost. Only this message is silenced.
import warnings  # noqa: E402

warnings.filterwarnings("ignore", message=r"Object of type <Submitted\w+> not in session", module=r"nbgrader\.")

# ---- Quiet, complete messages (docs/instructors.md, "What the course's configuration closes") ----
# `nbgrader validate` in a terminal prints each failure in full (nbgrader cuts lines at 90 characters;
# the width also sets its separator lines). `python -m coursetools validate` never cuts a line.
c.Validator.width = 400
# Grading kernels talk to nbgrader encrypted (CurveZMQ; ipykernel warns about plain TCP otherwise).
c.KernelManager.transport_encryption = "auto"

# The exchange (release_assignment, fetch, submit, collect, release_feedback). On one machine it is
# the course's own exchange/ folder (git-ignored, created here), with the students' submission cache in
# it; on JupyterHub every user must share one folder: set NBGRADER_EXCHANGE_ROOT (e.g.
# /srv/nbgrader/exchange) in everyone's environment (each user's cache stays in their home).
# nbgrader's own default, /usr/local/share/nbgrader/exchange, is never used.
if os.environ.get("NBGRADER_EXCHANGE_ROOT"):
    c.Exchange.root = os.environ["NBGRADER_EXCHANGE_ROOT"]
else:
    c.Exchange.root = os.path.join(c.CourseDirectory.root, "exchange")
    c.Exchange.cache = os.path.join(c.Exchange.root, "_student_cache")
    if not os.path.isdir(c.Exchange.root):  # before anything lists it (JupyterLab's Assignments tab)
        os.makedirs(c.Exchange.root)
        os.chmod(c.Exchange.root, 0o777)  # the mode release_assignment insists on (it warns and sets it)
