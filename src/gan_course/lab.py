"""``gan-course lab``: JupyterLab on the course's notebooks, as a student sees it.

nbgrader (which brings JupyterLab 4 and Notebook 7) installs its instructor tools into every
JupyterLab: the Formgrader, Create Assignment, and an Assignment List and Course List that need an
exchange folder a student does not have. This command starts JupyterLab with those turned off
(both their pages in the browser and their server parts), and keeps Validate; JupyterLab's news pop-up is off
too. It changes no configuration file: the settings live in a private folder that JUPYTER_CONFIG_PATH names for this
server only, so `jupyter lab` started by hand (an instructor's) keeps every tool.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .shared import CourseError
from .signals import handlers

# nbgrader's JupyterLab plugins a student does not use (and its menu of them); "validate-assignment"
# (the Validate button) stays. And JupyterLab's news: without it, every student is first asked "Would you like
# to get notified about official Jupyter news?" (and, if yes, the page fetches a feed from the internet).
HIDDEN_PLUGINS = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:menu",
                  "@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:course-list",
                  "@jupyterlab/apputils-extension:announcements"]
HIDDEN_SERVER_EXTENSIONS = ["nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.assignment_list",
                            "nbgrader.server_extensions.course_list"]


def write_student_config(folder):
    """The private Jupyter configuration folder of a student's server."""
    folder = Path(folder)
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    (folder / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {name: True for name in HIDDEN_PLUGINS}}, indent=1))
    (folder / "jupyter_server_config.d").mkdir(exist_ok=True)
    (folder / "jupyter_server_config.d" / "zz_gan_course_student.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {name: False for name in HIDDEN_SERVER_EXTENSIONS}}}, indent=1))
    return folder


def student_environment(config_dir, base=None):
    base = dict(os.environ if base is None else base)
    paths = [str(config_dir)] + [p for p in base.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p]
    return {**base, "JUPYTER_CONFIG_PATH": os.pathsep.join(paths)}


def command(folder, extra_args=()):
    return [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder}", *extra_args]


def main(folder=".", extra_args=()):
    folder = Path(folder).resolve()
    if not folder.is_dir():
        raise CourseError(f"{folder} is not a folder: give the folder that holds your course notebooks "
                          "(the released 01_intuition.ipynb, ...), e.g. gan-course lab ~/gan-course")
    notebooks = sorted(p.name for p in folder.glob("[0-9][0-9]_*.ipynb"))
    if notebooks:
        print(f"gan-course lab: {folder} ({', '.join(notebooks)})", file=sys.stderr)
    else:
        print(f"gan-course lab: no course notebooks in {folder}: copy the released notebooks your instructor "
              "gave you (01_intuition.ipynb, ...) there, or give their folder: gan-course lab FOLDER", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="gan-course-lab-") as config_dir:
        write_student_config(config_dir)
        server = subprocess.Popen(command(folder, extra_args), env=student_environment(config_dir))
        return wait_for(server)


def wait_for(server, grace=10.0):
    """Wait until JupyterLab ends. A SIGTERM or SIGHUP to this process (a closed terminal, `kill`) ends it
    first, so that no server is left running without its configuration folder; one that has not ended
    ``grace`` seconds later is killed. Ctrl-C at the terminal reaches JupyterLab by itself (it asks, or
    stops at a second one); a second Ctrl-C here ends it too, also when only this process got them."""
    asked = []

    def stop_server(signum=None, frame=None):
        asked.append(time.monotonic())
        server.terminate()

    interrupts = 0
    with handlers({signal.SIGTERM: stop_server, signal.SIGHUP: stop_server}):
        while True:
            try:
                return server.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                if asked and time.monotonic() - asked[0] > grace:
                    server.kill()
            except KeyboardInterrupt:
                interrupts += 1
                if interrupts >= 2:
                    stop_server()
