"""What a page may show of a submission: nothing a student wrote or printed runs in a browser.

The formgrader's Manual Grading page and nbgrader's feedback render a notebook with nbconvert, which keeps
its HTML and JavaScript as they are (an ``<img onerror>`` in a markdown cell, a ``text/html`` or
``application/javascript`` output, a ``javascript:`` link, even LaTeX turned into MathML). So the grader
writes ``autograded/`` through :func:`notebook`, and the same function runs again whenever nbgrader renders
one (``SanitizeSubmission``, named in ``autograder/nbgrader_config.py``): a course folder graded before this
existed is safe to open too.

:func:`notebook` rebuilds a notebook from an allow-list, it never edits one:

- markdown cells become the HTML a page would show, cleaned by a maintained sanitiser (nh3, i.e. ammonia)
  with the allow-list below, on one line inside a ``<div>`` that markdown passes through untouched; math is
  MathML (browsers draw it, nothing is loaded);
- outputs keep plain text, PNG and JPEG images (strict base64), LaTeX text and cleaned HTML; every other
  kind (``application/javascript``, widgets, SVG, ...) is dropped;
- metadata keeps only what nbgrader and the pages need, each value checked (cell ids and tags land in HTML
  attributes); the notebook's own is replaced by a plain Python one (no widget state).

What was taken out is said in one line where it was ("removed by the grader: ..."), so a grader can see that
something was there; the student's own file in ``submitted/`` is never changed.
"""

import base64
import binascii
import copy
import html
import io
import re
import secrets

import nbformat

from gan_course.shared import RELEASE_METADATA

# --- the allow-list ----------------------------------------------------------------------------
TAGS = {
    "a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del",
    "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s", "samp", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
    "var", "wbr",
}
# MathML Core, without the two elements that can hold HTML or switch what is shown (annotation-xml, maction).
MATHML = {
    "math", "menclose", "merror", "mfrac", "mi", "mmultiscripts", "mn", "mo", "mover", "mpadded", "mphantom",
    "mprescripts", "mroot", "mrow", "ms", "mspace", "msqrt", "mstyle", "msub", "msubsup", "msup", "mtable", "mtd",
    "mtext", "mtr", "munder", "munderover", "none", "semantics", "annotation",
}
SIZES = {"width", "height", "depth"}
ATTRIBUTES = {
    "*": {"title", "lang", "dir"},
    "a": {"href"}, "img": {"src", "alt", "width", "height"}, "table": {"border"},
    "td": {"colspan", "rowspan", "align"}, "th": {"colspan", "rowspan", "align", "scope"},
    "col": {"span"}, "colgroup": {"span"}, "ol": {"start", "type"}, "li": {"value"}, "time": {"datetime"},
    "details": {"open"},
    "math": {"display"}, "mi": {"mathvariant"}, "mn": {"mathvariant"}, "mtext": {"mathvariant"},
    "mo": {"fence", "form", "lspace", "rspace", "maxsize", "minsize", "stretchy", "symmetric", "largeop",
           "movablelimits", "separator", "accent"},
    "mover": {"accent"}, "munder": {"accentunder"}, "munderover": {"accent", "accentunder"},
    "mspace": SIZES, "mpadded": SIZES | {"lspace", "voffset"}, "mstyle": {"displaystyle", "scriptlevel"},
    "mfrac": {"linethickness"}, "menclose": {"notation"},
    "mtable": {"columnalign", "rowalign", "columnspacing", "rowspacing"},
    "mtr": {"columnalign", "rowalign"}, "mtd": {"columnalign", "rowalign", "columnspan", "rowspan"},
}
LINK_SCHEMES = ("http:", "https:", "mailto:")  # a link goes to a page, never runs one (no javascript:, no data:)
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif")  # an image is data in the page: nothing loaded from elsewhere
OUTPUT_IMAGES = ("image/png", "image/jpeg")  # the two nbconvert's pages show
BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
IMAGE_SRC = re.compile(r"data:(image/(?:png|jpeg|gif));base64,([A-Za-z0-9+/]*={0,2})")
EMPTY_GIF = "R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=="  # a transparent pixel
NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")  # cell ids (nbformat's own pattern) and tags
GRADE_ID = re.compile(r"[A-Za-z0-9_.-]{1,128}")

# Every page gets this class on what the sanitiser made: MathJax (the formgrader loads it when online) leaves
# such elements alone (tex2jax_ignore), so no TeX of the student's is typeset there.
MARK = "gan-course-sanitized"
WRAPPER = f'<div class="{MARK} tex2jax_ignore">'


def _classes():
    """The classes a cleaned element may keep: code highlighting (Pygments' token classes), pandas' tables and
    the sanitiser's own. No other: a class is how a page's scripts and styles pick elements (MathJax's
    tex2jax_process would typeset the student's TeX again, mermaid's would draw, bootstrap's would dress a link
    as the formgrader's own buttons)."""
    from pygments.token import STANDARD_TYPES

    return {name for name in STANDARD_TYPES.values() if name} | {
        "highlight", "dataframe", MARK, f"{MARK}-note", "tex2jax_ignore"}


def _link(value):
    return value if value.startswith("#") or value.lower().startswith(LINK_SCHEMES) else None


def _image(value):
    match = IMAGE_SRC.fullmatch(value)
    return value if match and _is_base64(match.group(2)) else None


def _attribute(tag, name, value):
    if name == "href":
        return _link(value)
    if name == "src":  # an image from elsewhere, or of another kind, shows nothing (not a broken-image box)
        return _image(value) or f"data:image/gif;base64,{EMPTY_GIF}"
    return value


_CLEANER = None


def _cleaner():
    global _CLEANER
    if _CLEANER is None:
        import nh3

        classes = _classes()
        _CLEANER = nh3.Cleaner(
            tags=TAGS | MATHML, attributes=ATTRIBUTES, attribute_filter=_attribute,
            allowed_classes={tag: classes for tag in TAGS | MATHML},
            tag_attribute_values={"math": {"xmlns": {"http://www.w3.org/1998/Math/MathML"}}},
            url_schemes={"http", "https", "mailto", "data"},
            url_relative=lambda url: url if url.startswith("#") else None,  # no path on this server: /api/...
            clean_content_tags={"script", "style"}, strip_comments=True, link_rel="noopener noreferrer nofollow")
    return _CLEANER


START_TAG = re.compile(r"""<([A-Za-z][A-Za-z0-9:-]*)((?:"[^"]*"|'[^']*'|[^<>"'])*)""")
ATTRIBUTE = re.compile(r"""([^\s"'<>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")


def inventory(text):
    """The tags and attributes some HTML holds, e.g. {'<img>', 'onerror=', 'src=http:'}: a plain scan, in one pass,
    that only names what the sanitiser took out (the sanitiser decides, on its own parse)."""
    found = {}
    for tag in START_TAG.finditer(text):
        found.setdefault(f"<{tag.group(1).lower()}>", None)
        for attribute in ATTRIBUTE.finditer(tag.group(2)):
            name, value = attribute.group(1).lower(), html.unescape((attribute.group(2) or "").strip("\"'"))
            if name in ("href", "src") and value:
                kind = value.split(":", 1)[0].lower() + ":" if ":" in value else "a path on the server"
                if kind == "data:":
                    kind += value[5:].split(";", 1)[0].split(",", 1)[0].lower()
                found.setdefault(f"{name}={kind}", None)
            elif name == "class":  # each class by its name: class=tex2jax_process
                for word in value.split() or [""]:
                    found.setdefault(f"class={word}", None)
            else:
                found.setdefault(f"{name}=", None)
    return found


def removed(before, after):
    """What of ``before`` is not in ``after`` (both HTML), e.g. ['<script>', 'onerror=', 'href=javascript:']."""
    kept = inventory(after)
    return [_text(item)[:80] for item in inventory(before) if item not in kept]


def clean_html(text):
    """(``text`` with only the allow-list's tags and attributes left, what was taken out)."""
    cleaned = _cleaner().clean(text)
    return cleaned, removed(text, cleaned)


def note(items):
    """The one line that says what the grader removed."""
    return ("removed by the grader (it could run or load something in a browser): " + ", ".join(items)
            if items else "")


# --- how much is rendered ------------------------------------------------------------------------
# The sanitiser's time, and the time of the pages that render what it writes (the formgrader renders inside its
# server's one request loop), must grow no faster than the text: some inputs make parsers slow down with the
# square of their size (nh3's for elements nested many deep). Past these bounds text is shown as it is.
RENDER_CHARS = 100_000  # one markdown cell or output
RENDER_TAGS = 10_000  # "<" in one of them: what bounds how deep its elements nest
NOTEBOOK_CHARS = 2_000_000  # all of a notebook's
# A student's pictures are shown (faces, loss curves, digit grids: a few tens of KB each), within bounds that keep
# a page small: an image's bytes, the pixels a browser decodes it to (a flat PNG of 100 KB can hold 10^8 pixels),
# and all of a notebook's images.
IMAGE_BYTES = 500_000
IMAGE_PIXELS = 4_000_000
NOTEBOOK_IMAGE_BYTES = 4_000_000


def image_pixels(mime, data):
    """(width, height) of base64 ``data`` that holds an image of type ``mime`` (its header only is read), or None."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(base64.b64decode(data))) as image:
            return image.size if Image.MIME.get(image.format) == mime else None
    except Exception:  # Pillow raises many types on what is not an image (and on a decompression bomb)
        return None


class Budget:
    """What is left of a notebook's rendering bounds."""

    def __init__(self):
        self.left = NOTEBOOK_CHARS
        self.image_bytes_left = NOTEBOOK_IMAGE_BYTES

    def refuses_image(self, mime, data):
        """'' when base64 ``data`` is an image of type ``mime`` a page may show (and it is counted), else why not."""
        size = len(data) * 3 // 4
        pixels = image_pixels(mime, data) if size <= IMAGE_BYTES else None
        if size <= IMAGE_BYTES and pixels is None:
            return f"an output of type {mime} that is not one"
        if size > min(IMAGE_BYTES, self.image_bytes_left) or pixels[0] * pixels[1] > IMAGE_PIXELS:
            shape = f", {pixels[0]}×{pixels[1]} pixels" if pixels else ""
            return (f"an image of {size // 1000 or 1} KB{shape} (not shown: the grader shows images up to "
                    f"{IMAGE_BYTES // 1000} KB and {IMAGE_PIXELS // 10**6} megapixels each, "
                    f"{NOTEBOOK_IMAGE_BYTES // 10**6} MB a notebook)")
        self.image_bytes_left -= size
        return ""

    def refuses(self, text):
        """'' when ``text`` may be rendered (and is counted), else why not, as said in the removal note. What the
        sanitiser wrote (in its wrapper) is cleaned again whatever its length: text shown as it is holds no tags,
        and cleaning it takes time in proportion to it; only its tags are counted."""
        size = 0 if text.lstrip().startswith(WRAPPER) else len(text)
        if size > RENDER_CHARS or text.count("<") > RENDER_TAGS or size > self.left:
            return (f"rendering of {len(text) // 1000 or 1} KB of markup, more than the grader renders in one cell "
                    f"({RENDER_CHARS // 1000} KB, {RENDER_TAGS} tags, {NOTEBOOK_CHARS // 10**6} MB a notebook): "
                    "shown as text")
        self.left -= size
        return ""


# --- markdown ----------------------------------------------------------------------------------
MATH = re.compile(r"(?<!\\)\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$", re.S)
CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)


def latex_to_mathml(text):
    """Markdown with $...$ and $$...$$ turned into MathML (code spans left alone); a formula that cannot be
    converted stays as it was. What it makes is not safe by itself (latex2mathml passes \\text{<img ...>} and
    \\href{javascript:...} through): :func:`markdown_html` cleans it with the rest."""
    from latex2mathml.converter import convert

    def one(match):
        display = match.group(1) is not None
        try:
            mathml = convert((match.group(1) if display else match.group(2)).strip(),
                             display="block" if display else "inline")
        except Exception:  # latex2mathml raises several types; the source text is still readable
            return match.group(0)
        return f"\n\n{mathml}\n\n" if display else mathml

    return "".join(part if i % 2 else MATH.sub(one, part) for i, part in enumerate(CODE.split(text)))


class _Attachments(dict):
    """A cell's images by name; a name it does not have (never attached, or removed here) is an empty image:
    nbconvert's renderer refuses the whole cell for one missing attachment."""

    def __contains__(self, name):
        return True

    def __missing__(self, name):
        return {"image/gif": EMPTY_GIF}


def _renderer(attachments=None, anchors=True):
    """nbconvert's HTML renderer of markdown, as its HTML exporter makes it."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer

    return IPythonRenderer(escape=False, attachments=_Attachments(attachments or {}), exclude_anchor_links=not anchors)


def _markdown(source):
    """Markdown as nbconvert's pages render it: its own renderer and parser."""
    from nbconvert.filters.markdown_mistune import MarkdownWithMath

    return MarkdownWithMath(renderer=_renderer()).render(source)


def _render(source, attachments):
    """Markdown as the pages would show it, with its math as MathML and no heading anchors: nbconvert's renderer
    and plugins, without its math parser (its time grows with the square of unclosed ``\\[`` or ``\\begin``;
    latex_to_mathml has turned the math into MathML already)."""
    import mistune
    from nbconvert.filters.markdown_mistune import MarkdownWithMath, import_plugin

    plugins = [import_plugin(name) for name in MarkdownWithMath.DEFAULT_PLUGINS]
    return mistune.Markdown(renderer=_renderer(attachments, anchors=False), plugins=plugins)(latex_to_mathml(source))


def is_sanitized(source):
    return source.startswith(WRAPPER) and not set(source.strip()) & set("\r\n")


def block(html_text):
    """HTML as a markdown cell's source that a CommonMark renderer (nbconvert's, JupyterLab's) passes through as it
    is: one line (a blank line would end the HTML block) inside a <div>; a line ending (LF or CR, both of which
    markdown reads as one) is written as a character reference. Checked with nbconvert's own renderer: what it
    would not pass through as it is is shown as text."""
    made = _one_line(html_text)
    return made if _markdown(made).strip() == made else _one_line(as_text(html_text))


def _one_line(html_text):
    # A "[" as a character reference too: nbconvert's strip_files_prefix, run on every rendered cell, looks for
    # `[...](files/` with a lazy match that, on one line, scans to its end from every "[" (minutes for 100 KB).
    made = html_text.strip().replace("\r", "&#13;").replace("\n", "&#10;").replace("[", "&#91;")
    return WRAPPER + made + "</div>"


def as_text(text):
    """Text shown as it is, in a <pre>, as the sanitiser writes it (so that cleaning it again changes nothing)."""
    return clean_html(f"<pre>{html.escape(text)}</pre>")[0]


def markdown_html(source, attachments=None, budget=None):
    """(the clean HTML of a markdown text, what was taken out). Text already made by :func:`block` is cleaned
    again as HTML, not rendered a second time. Text beyond the ``budget`` is shown as it is."""
    too_much = (budget or Budget()).refuses(source)
    if too_much:
        return as_text(source), [too_much]
    if is_sanitized(source):
        return clean_html(unwrap(source))
    try:
        rendered = _render(source, attachments or {})
    except Exception as exc:  # whatever nbconvert's renderer cannot take is shown as text
        return as_text(source), [f"markdown the grader could not render ({type(exc).__name__})"]
    return clean_html(rendered)


def unwrap(text):
    """HTML made here without the wrapper it was given (so that cleaning it again does not nest wrappers)."""
    text = text.strip()
    return text[len(WRAPPER):-len("</div>")] if text.startswith(WRAPPER) and text.endswith("</div>") else text


def markdown_cell_source(source, attachments=None, dropped=(), budget=None):
    """A markdown cell's source, rebuilt: the clean HTML as one block, with a line for what was removed."""
    cleaned, gone = markdown_html(source, attachments, budget)
    gone = list(dict.fromkeys(list(dropped) + gone))
    if gone:
        cleaned += f'<p class="{MARK}-note"><em>{html.escape(note(gone))}</em></p>'
    return block(cleaned)


# --- outputs ---------------------------------------------------------------------------------
def _text(value):
    """A notebook's text (a string, or nbformat's list of lines), or None for anything else. JSON can hold a lone
    surrogate, which is no character: it becomes '?' (no UTF-8 writer, nor nh3, takes it)."""
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        value = "".join(value)
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    return None


def _is_base64(text):
    if len(text) % 4 or not BASE64.fullmatch(text):
        return False
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def image_data(value):
    text = _text(value)
    if text is None:
        return None
    text = "".join(text.split())  # nbformat may wrap base64 over lines
    return text if _is_base64(text) else None


def _size(value):
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 100_000 else None


def _count(value):
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**9 else None


def _bundle(data, metadata, budget):
    """(the data and metadata a page may show of a display, what was taken out as unsafe, what was left out as too
    large)."""
    kept, meta, gone, left_out = {}, {}, [], []
    data = data if isinstance(data, dict) else {}
    metadata = metadata if isinstance(metadata, dict) else {}
    for mime, value in data.items():
        text = _text(value)
        image = image_data(value) if mime in OUTPUT_IMAGES else None
        if mime == "text/plain" and text is not None:
            kept[mime] = text
        elif mime in ("text/latex", "text/markdown") and text is not None and "text/html" not in data:
            # As HTML made here: MathJax would typeset LaTeX where a page loads it, MathML instead.
            cleaned, taken = markdown_html(text, budget=budget)
            kept["text/html"], gone = WRAPPER + cleaned + "</div>", gone + taken
        elif image is not None and (too_large := budget.refuses_image(mime, image)):
            left_out.append(too_large)
        elif image is not None:
            kept[mime] = image
            sizes = metadata.get(mime) if isinstance(metadata.get(mime), dict) else {}
            sizes = {k: _size(sizes.get(k)) for k in ("width", "height") if _size(sizes.get(k)) is not None}
            if sizes:
                meta[mime] = sizes
        elif mime == "text/html" and text is not None:
            too_much = budget.refuses(text)
            cleaned, taken = (as_text(text), [too_much]) if too_much else clean_html(unwrap(text))
            kept[mime], gone = WRAPPER + cleaned + "</div>", gone + taken
        elif mime not in ("text/markdown", "text/latex"):
            gone.append(f"an output of type {mime}" + (" that is not an image" if mime in OUTPUT_IMAGES else ""))
    return kept, meta, gone, left_out


def outputs(items, budget=None):
    """A code cell's outputs, rebuilt; after one that lost something, a line says what."""
    budget, rebuilt = budget or Budget(), []
    for out in items if isinstance(items, list) else []:
        kind = out.get("output_type") if isinstance(out, dict) else None
        if kind == "stream":
            name = out.get("name") if out.get("name") in ("stdout", "stderr") else "stdout"
            rebuilt.append(nbformat.v4.new_output("stream", name=name, text=_text(out.get("text")) or ""))
        elif kind == "error":
            traceback = out.get("traceback") if isinstance(out.get("traceback"), list) else []
            rebuilt.append(nbformat.v4.new_output(
                "error", ename=_text(out.get("ename")) or "Error", evalue=_text(out.get("evalue")) or "",
                traceback=[line for line in traceback if isinstance(line, str)]))
        elif kind in ("display_data", "execute_result"):
            data, metadata, gone, left_out = _bundle(out.get("data"), out.get("metadata"), budget)
            if data:
                made = nbformat.v4.new_output(kind, data=data, metadata=metadata)
                if kind == "execute_result":
                    made.execution_count = _count(out.get("execution_count"))
                rebuilt.append(made)
            if gone:
                rebuilt.append(nbformat.v4.new_output("stream", name="stderr", text=note(gone) + "\n"))
            for reason in left_out:
                rebuilt.append(nbformat.v4.new_output("stream", name="stderr", text=f"left out by the grader: {reason}\n"))
        else:
            rebuilt.append(nbformat.v4.new_output("stream", name="stderr", text=note(["an output of unknown kind"]) + "\n"))
    return rebuilt


# --- cells and the notebook ------------------------------------------------------------------------
NBGRADER_FLAGS = ("grade", "solution", "locked", "task")
TIMING = ("iopub.status.busy", "iopub.execute_input", "shell.execute_reply", "iopub.status.idle")
TIME = re.compile(r"[0-9T:.+Z-]{1,40}")


def _nbgrader(meta):
    """nbgrader's metadata of a cell with each field checked, or None (its grade id lands in the pages' HTML)."""
    if not isinstance(meta, dict) or not isinstance(meta.get("grade_id"), str) or not GRADE_ID.fullmatch(meta["grade_id"]):
        return None
    kept = {flag: meta[flag] for flag in NBGRADER_FLAGS if isinstance(meta.get(flag), bool)}
    kept["grade_id"] = meta["grade_id"]
    points = meta.get("points")
    if isinstance(points, (int, float)) and not isinstance(points, bool) and 0 <= points < 10**6:
        kept["points"] = points
    elif kept.get("grade") or kept.get("task"):  # a graded cell without its points: nbgrader's pages fail on it
        return None
    if isinstance(meta.get("schema_version"), int):
        kept["schema_version"] = meta["schema_version"]
    if isinstance(meta.get("checksum"), str) and re.fullmatch(r"[0-9a-f]{1,128}", meta["checksum"]):
        kept["checksum"] = meta["checksum"]
    if meta.get("cell_type") in ("code", "markdown"):
        kept["cell_type"] = meta["cell_type"]
    return kept


def cell_metadata(meta):
    meta = meta if isinstance(meta, dict) else {}
    kept = {}
    graded = _nbgrader(meta.get("nbgrader"))
    if graded:
        kept["nbgrader"] = graded
    tags = meta.get("tags") if isinstance(meta.get("tags"), list) else []
    tags = [tag for tag in tags if isinstance(tag, str) and NAME.fullmatch(tag)]
    if tags:
        kept["tags"] = tags
    for flag in ("deletable", "editable"):
        if isinstance(meta.get(flag), bool):
            kept[flag] = meta[flag]
    timing = meta.get("execution") if isinstance(meta.get("execution"), dict) else {}
    timing = {k: v for k, v in timing.items() if k in TIMING and isinstance(v, str) and TIME.fullmatch(v)}
    if timing:  # nbclient's record of when the cell ran (autograder/benchmarks read it)
        kept["execution"] = timing
    ours = meta.get(RELEASE_METADATA)
    if isinstance(ours, dict):  # a test cell's title and hint (the release's; grading restores them)
        strings = {k: v for k, v in ours.items() if k in ("title", "hint") and isinstance(v, str)}
        if strings:
            kept[RELEASE_METADATA] = strings
    return kept


def _attachments(found, budget):
    """(the images a markdown cell may embed, what was taken out)."""
    kept, gone = {}, []
    for name, bundle in (found.items() if isinstance(found, dict) else []):
        images = {mime: image_data(bundle.get(mime)) for mime in IMAGE_TYPES if isinstance(bundle, dict)}
        images = {mime: data for mime, data in images.items() if data is not None}
        refused = [why for mime, data in images.items() if (why := budget.refuses_image(mime, data))]
        if refused:
            gone.append(f"an attachment: {refused[0]}")
        elif isinstance(name, str) and images:
            kept[name] = images
        else:
            gone.append("an attachment that is not a PNG, JPEG or GIF image")
    return kept, gone


def cell(found, ids, graded, budget):
    """One cell, rebuilt (``ids``: the ids the notebook's cells have so far; ``graded``: the grade ids so far: a
    page shows nbgrader's metadata of the first cell of each only, as nbgrader's pages find a cell by it)."""
    kind = found.get("cell_type") if isinstance(found, dict) else None
    source = _text(found.get("source")) if isinstance(found, dict) else None
    source = source or ""
    if kind == "markdown":
        attachments, gone = _attachments(found.get("attachments"), budget)
        made = nbformat.v4.new_markdown_cell(markdown_cell_source(source, attachments, gone, budget))
    elif kind == "code":
        made = nbformat.v4.new_code_cell(source, outputs=outputs(found.get("outputs"), budget),
                                         execution_count=_count(found.get("execution_count")))
    elif kind == "raw":  # shown as its text: nbconvert's pages would render some raw cells as HTML
        made = nbformat.v4.new_markdown_cell(block(as_text(source)))
    else:
        made = nbformat.v4.new_markdown_cell(markdown_cell_source(
            "", dropped=[f"a cell of unknown kind ({(_text(str(kind)) or '')[:40]})"]))
    made.metadata = nbformat.from_dict(cell_metadata(found.get("metadata")) if isinstance(found, dict) else {})
    grade_id = made.metadata.get("nbgrader", {}).get("grade_id")
    if grade_id in graded:
        del made.metadata["nbgrader"]
    elif grade_id:
        graded.add(grade_id)
    given = found.get("id") if isinstance(found, dict) else None
    made.id = given if isinstance(given, str) and NAME.fullmatch(given) and given not in ids else _new_id(ids)
    ids.add(made.id)
    return made


def _new_id(ids):
    while True:
        candidate = secrets.token_hex(4)
        if candidate not in ids:
            return candidate


def notebook_metadata(meta):
    """A Python notebook's metadata, and the release's own (unit and test cells), each value checked."""
    kept = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python", "pygments_lexer": "ipython3"}}
    ours = meta.get(RELEASE_METADATA) if isinstance(meta, dict) else None
    if isinstance(ours, dict) and isinstance(ours.get("unit"), str) and isinstance(ours.get("tests"), list):
        kept[RELEASE_METADATA] = {"unit": ours["unit"], "tests": [t for t in ours["tests"] if isinstance(t, str)]}
    return kept


def notebook(nb):
    """A new notebook holding what a page may show of ``nb`` (which is left as it was)."""
    nb = nb if isinstance(nb, dict) else {}
    cells = nb.get("cells") if isinstance(nb.get("cells"), list) else []
    made = nbformat.v4.new_notebook(metadata=notebook_metadata(copy.deepcopy(nb.get("metadata"))))
    ids, graded, budget = set(), set(), Budget()
    made.cells = [cell(found, ids, graded, budget) for found in cells]
    return made
