"""Reading what a sandbox left behind, without trusting any of it.

Everything in a scratch folder was written, or could have been, by student code: a file may be
a symlink to another student's work, a huge file, a zip bomb, a pickle, or not what its name
says. Readers here follow no links, read only regular files inside the folder, cap sizes, and
return None for anything that is not plainly what it should be.
"""

import io
import json
import os
import stat
import zipfile
from pathlib import Path

import nbformat
import numpy as np

MAX_NOTEBOOK_BYTES = 50 * 1024**2
MAX_RESULT_BYTES = 200 * 1024**2


def read_bytes(root, relative, max_bytes):
    """The bytes of ``root/relative`` if every part of that path is a real folder or file, else None."""
    path = Path(root)
    parts = Path(relative).parts
    if any(part in ("..", "") or part.startswith("/") for part in parts):
        return None
    for i, part in enumerate(parts):
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            return None
        last = i == len(parts) - 1
        if stat.S_ISLNK(mode) or (not last and not stat.S_ISDIR(mode)) or (last and not stat.S_ISREG(mode)):
            return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        if os.fstat(f.fileno()).st_size > max_bytes:
            return None
        return f.read(max_bytes + 1)[:max_bytes]


def read_notebook(root, relative, max_bytes=MAX_NOTEBOOK_BYTES):
    data = read_bytes(root, relative, max_bytes)
    if data is None:
        return None
    try:
        return nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception:  # nbformat raises several types for a broken file
        return None


def read_status(root, relative):
    data = read_bytes(root, relative, 64 * 1024)
    try:
        status = json.loads(data) if data is not None else None
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
        return None
    return status if isinstance(status, dict) else None


def read_arrays(root, relative, max_bytes=MAX_RESULT_BYTES):
    """{name: float64 array} from an uncompressed .npz, or None (compressed, pickled, too big...)."""
    data = read_bytes(root, relative, max_bytes)
    if data is None:
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if any(m.compress_type != zipfile.ZIP_STORED for m in members):
                return None  # stored members cannot unpack to more than the file's size
        arrays = {}
        with np.load(io.BytesIO(data), allow_pickle=False) as loaded:
            for key in loaded.files:
                value = loaded[key]
                if value.dtype.kind not in "biuf":
                    return None
                arrays[key] = value.astype(np.float64)
        return arrays
    except Exception:  # a corrupt archive can raise nearly anything
        return None
