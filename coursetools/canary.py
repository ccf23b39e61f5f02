"""The canary of `coursetools grade`: the release filled with the source's answers, graded before any student.

Needed at run time (not only by the tests): every grading run grades it first, in the same sandbox and on the
same workers as the students; anything short of full marks stops the run before a single student is graded.
"""

import copy
import shutil

import nbformat

from .nbmeta import grade_id, nbgrader_meta


def filled_in(release, sources):
    """A copy of `release` whose cells with a grade id in `sources` ({grade_id: source}) hold that source."""
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        if grade_id(cell) in sources:
            cell.source = sources[grade_id(cell)]
    return nb


def answers(source):
    """{grade_id: source} of every answer cell of the nbgrader source notebook."""
    return {grade_id(c): c.source for c in source.cells if nbgrader_meta(c).get("solution")}


def reference_submission(source, release):
    """The release with every answer cell holding the source's answer: what the canary submits."""
    return filled_in(release, answers(source))


def write_canary(course, aid, dest):
    """A submission folder at `dest`: the release folder's files, its notebook filled with the source's answers."""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(course.release(aid).parent, dest)
    nb = reference_submission(nbformat.read(course.source(aid), as_version=4),
                              nbformat.read(course.release(aid), as_version=4))
    nbformat.write(nb, dest / f"{aid}.ipynb")
    return dest
