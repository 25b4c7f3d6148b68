"""The machine a benchmark ran on, in one line, printed first by every benchmark: figures compare only with
figures of the same kind of machine."""

import os
import platform


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        return ""


def describe():
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = ""
    if hasattr(os, "sysconf") and "SC_PHYS_PAGES" in os.sysconf_names:
        memory = f", {os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB"
    return (f"machine: {cpu_model() or platform.processor() or platform.machine()}, {cores} cores{memory}; "
            f"{platform.system()} {platform.release()}; Python {platform.python_version()}")
