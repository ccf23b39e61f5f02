"""A student or instructor driving the class hub over HTTP, as a browser would (tests and benchmarks).

    s = HubSession("http://127.0.0.1:8000", "alice", "password")
    s.login()                    # the hub's login form (PAM), then the server starts
    s.wait_for_server()          # follows the OAuth redirects to /user/alice/ like a browser
    s.assignments()              # nbgrader's Assignment List API on the user's server
    s.fetch("01_gradient_descent"); s.submit("01_gradient_descent")

Only ``requests`` (a JupyterHub dependency). Every address is the hub's own.
"""
import json
import re
import time

import requests

COURSE_ID = "nnlib-course"


class HubError(RuntimeError):
    pass


class HubSession:
    def __init__(self, base, name, password, timeout=180):
        self.base, self.name, self.password, self.timeout = base.rstrip("/"), name, password, timeout
        self.http = requests.Session()

    # ---- the hub
    def login(self):
        """POST the login form; returns the time it took (s). Raises on a refused login."""
        start = time.perf_counter()
        page = self.http.get(f"{self.base}/hub/login", timeout=60)
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text)
        data = {"username": self.name, "password": self.password}
        if xsrf:
            data["_xsrf"] = xsrf.group(1)
        resp = self.http.post(f"{self.base}/hub/login?next=", data=data, timeout=self.timeout, allow_redirects=False)
        if resp.status_code != 302 or "/hub/login" in resp.headers.get("Location", ""):
            raise HubError(f"login of {self.name} refused: HTTP {resp.status_code}")
        return time.perf_counter() - start

    def user_url(self, path=""):
        return f"{self.base}/user/{self.name}/{path.lstrip('/')}"

    def wait_for_server(self):
        """Ask the hub to start the server (as the home page does) and wait until it answers."""
        self.http.get(f"{self.base}/hub/spawn", timeout=self.timeout)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            try:   # the page a browser opens: once the server is up, the OAuth redirects set its cookie
                resp = self.http.get(self.user_url("lab"), timeout=60)
                if resp.status_code == 200 and resp.url.split("?")[0] == self.user_url("lab"):
                    return self.api("GET", "api/status")
            except requests.RequestException:
                pass
            time.sleep(1)
        raise HubError(f"the server of {self.name} did not answer within {self.timeout} s")

    # ---- the user's server
    def _xsrf(self):
        for cookie in self.http.cookies:
            if cookie.name == "_xsrf" and cookie.path.startswith(f"/user/{self.name}"):
                return cookie.value
        return self.http.cookies.get("_xsrf", "")

    def api(self, method, path, **kwargs):
        headers = {"X-XSRFToken": self._xsrf()}
        resp = self.http.request(method, self.user_url(path), headers=headers, timeout=self.timeout, **kwargs)
        if resp.status_code >= 400:
            raise HubError(f"{method} {path} as {self.name}: HTTP {resp.status_code} {resp.text[:500]}")
        return resp.json() if resp.content else None

    def assignments(self):
        return self.api("GET", "assignments", params={"course_id": COURSE_ID})

    def _action(self, action, assignment):
        out = self.api("POST", f"assignments/{action}", data={"course_id": COURSE_ID, "assignment_id": assignment})
        if isinstance(out, dict) and not out.get("success", True):
            raise HubError(f"{action} {assignment} as {self.name} failed: {out.get('value') or out}")
        return out

    def fetch(self, assignment):
        return self._action("fetch", assignment)

    def submit(self, assignment):
        return self._action("submit", assignment)

    def fetch_feedback(self, assignment):
        return self._action("fetch_feedback", assignment)

    def read_notebook(self, path):
        return self.api("GET", f"api/contents/{path}", params={"content": 1})["content"]

    def write_notebook(self, path, nb):
        body = {"type": "notebook", "format": "json", "content": nb}
        return self.api("PUT", f"api/contents/{path}", data=json.dumps(body))
