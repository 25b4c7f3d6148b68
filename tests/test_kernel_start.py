"""The student tools' notebook runner (gan_course.notebooks.execute, used by `gan-course check`) starts a
kernel again when one dies before answering its first request: no code of the notebook ran, and under
load jupyter_client's port choice can lose a race with another process (seen once in the suite). A real
kernel, started through a kernel spec that fails a given number of times first."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

# Run as the kernel's command: dies at once for the first FAILS starts (counted in a file), then is ipykernel.
FLAKY_KERNEL = textwrap.dedent("""
    import pathlib, sys
    count = pathlib.Path(sys.argv[1])
    starts = int(count.read_text()) + 1 if count.exists() else 1
    count.write_text(str(starts))
    if starts <= int(sys.argv[2]):
        sys.exit(1)
    from ipykernel import kernelapp
    kernelapp.launch_new_instance(argv=sys.argv[3:])
""")

RUN = textwrap.dedent("""
    import sys, nbformat
    from gan_course import notebooks
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    try:
        run = notebooks.execute(nb, cwd=sys.argv[1], timeout=60)
    except RuntimeError as exc:
        print("raised:", exc)
    else:
        print("output:", run.cells[0].outputs[0]["text"].strip())
""")


def run_with_flaky_kernel(tmp_path, fails):
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (tmp_path / "kernel.py").write_text(FLAKY_KERNEL)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, str(tmp_path / "kernel.py"), str(tmp_path / "starts"), str(fails),
                 "-f", "{connection_file}"],
        "display_name": "Python 3", "language": "python"}))
    proc = subprocess.run([sys.executable, "-c", RUN, str(tmp_path)], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, JUPYTER_PATH=str(tmp_path / "jupyter")))
    return proc, int((tmp_path / "starts").read_text())


def test_a_kernel_that_dies_at_start_is_started_again(tmp_path):
    proc, starts = run_with_flaky_kernel(tmp_path, fails=1)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "output: 42" and starts == 2
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr


@pytest.mark.slow
def test_a_kernel_that_always_dies_at_start_is_reported_after_three_starts(tmp_path):
    proc, starts = run_with_flaky_kernel(tmp_path, fails=10)
    assert proc.stdout.strip() == "raised: Kernel died before replying to kernel_info" and starts == 3, proc.stdout
    assert "Exception ignored" not in proc.stderr, proc.stderr
