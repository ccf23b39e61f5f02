"""The Validate button's server side with the course's validator (a Jupyter server extension).

nbgrader's lab extension posts the notebook's path to `<base_url>/assignments/validate` and renders the
answer's `failed` entries in its dialog. nbgrader's own handler (`nbgrader.server_extensions.validate_assignment`)
builds a plain `nbgrader.validator.Validator`, which no setting can replace. This extension serves the same two
URLs (`assignments/validate` and `nbgrader_version`, which the button asks first) with the same handler, except
that it validates with `coursetools.validate.CourseValidator`: each failure's whole message first, named after
its part, no library frames, one line for the parts not answered yet.

It is enabled, and nbgrader's validate_assignment extension disabled (the rest of nbgrader stays), by
`jupyter-config/nnlib-course.json`, which `pip install -r requirements.txt` puts into
`<prefix>/etc/jupyter/jupyter_server_config.d/` (after nbgrader.json, so it wins).
"""

import os
import traceback
from pathlib import Path

from jupyter_server.utils import url_path_join
from nbgrader.nbgraderformat import SchemaTooNewError, SchemaTooOldError
from nbgrader.server_extensions.validate_assignment import handlers as nbgrader_handlers
from tornado import web

from .validate import CourseValidator


class ValidateHandler(nbgrader_handlers.ValidateAssignmentHandler):
    """nbgrader's validate handler (same request, same answer's shape) with the course's validator."""

    def validate_notebook(self, path):
        root = Path(self.root_dir).resolve()
        target = (root / path).resolve()
        if not target.is_relative_to(root):
            raise web.HTTPError(403, "Access denied: path outside allowed directory")
        try:
            result = CourseValidator(config=self.load_config()).validate(str(target))
        except SchemaTooOldError:
            self.log.error(traceback.format_exc())
            msg = (f"The notebook '{target}' uses an old version of the nbgrader metadata format. Please **back up "
                   f"this notebook** and then update the metadata using:\n\nnbgrader update {target}\n")
            return {"success": False, "value": msg}
        except SchemaTooNewError:
            self.log.error(traceback.format_exc())
            return {"success": False, "value": f"The notebook '{target}' uses a newer version of the nbgrader "
                                               "metadata format than this nbgrader reads."}
        except Exception:  # noqa: BLE001  (nbgrader's handler answers with the traceback too)
            self.log.error(traceback.format_exc())
            return {"success": False, "value": traceback.format_exc()}
        # nbgrader's handler drops the executed notebook; the course's extra keys are JSON already
        return {"success": True, "value": result}


def _jupyter_server_extension_points():
    return [{"module": "coursetools.validate_server"}]


def _load_jupyter_server_extension(serverapp):
    web_app = serverapp.web_app
    base_url = web_app.settings["base_url"]
    web_app.settings["root_dir"] = serverapp.root_dir   # what nbgrader's handler reads
    web_app.add_handlers(".*$", [
        (url_path_join(base_url, r"/assignments/validate"), ValidateHandler),
        (url_path_join(base_url, r"/nbgrader_version"), nbgrader_handlers.NbGraderVersionHandler),
    ])
    serverapp.log.info("coursetools: the Validate button uses the course's validator (coursetools.validate)")
