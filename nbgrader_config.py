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
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402

from coursetools.feedback import ClearHiddenTracebacks  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTracebacks, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
