"""The README and docs/ cannot drift from the project: every relative link leads to a file (and heading) that
exists, every command-line option they show for the project's own commands is one the command takes, and
they hold no dates or commit hashes (a benchmark prints its figures; a closing note keeps a stop's)."""

import re

import pytest

from conftest import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"```[^\n]*\n(.*?)```", re.S)
SPAN = re.compile(r"`([^`\n]+)`")
OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def slug(heading):
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page):
    return {slug(line.lstrip("#")) for line in page.read_text().splitlines() if line.startswith("#")}


def test_there_are_pages_for_each_readers_task_and_the_readme_is_short():
    names = {page.name for page in PAGES}
    assert {"students.md", "grading.md", "cluster.md", "maintaining.md", "benchmarks.md"} <= names
    readme = (ROOT / "README.md").read_text()
    assert len(readme.encode()) <= 10_000
    for page in PAGES[1:]:
        assert f"docs/{page.name}" in readme, f"the README links to docs/{page.name}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_leads_somewhere(page):
    for target in LINK.findall(page.read_text()):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{page.name}: {target} does not exist"
        if anchor and linked.suffix == ".md":
            assert anchor in anchors(linked), f"{page.name}: no heading #{anchor} in {linked.name}"


def command_options():
    """{command: the options it takes}, from the real parsers of the student's and the instructor's commands."""
    from gan_course import cli
    from gan_course_grader import cli as instructor_cli

    found = {}
    for parser in (cli.build_parser(), instructor_cli.build_parser()):
        for name, sub in parser._subparsers._group_actions[0].choices.items():
            found[name] = {option for action in sub._actions for option in action.option_strings}
    return found


def shown_commands(text):
    """Every piece of code the page shows: its code blocks' lines and its code spans."""
    for block in FENCE.findall(text):
        yield from block.splitlines()
    yield from SPAN.findall(FENCE.sub("", text))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_option_shown_for_the_projects_commands_exists(page):
    options, benchmarks = command_options(), ROOT / "autograder" / "benchmarks"
    checked = 0
    for line in shown_commands(page.read_text()):
        for match in re.finditer(r"gan-course (\w+)((?: +[^ ]+)*)", line):
            command, rest = match.groups()
            assert command in options, f"{page.name}: `gan-course {command}` is not a command"
            for option in OPTION.findall(rest):
                assert option in options[command], f"{page.name}: `gan-course {command}` takes no {option}"
                checked += 1
        for match in re.finditer(r"autograder/benchmarks/(\w+\.py)((?: +[^ ]+)*)", line):
            source = (benchmarks / match.group(1)).read_text()
            for option in OPTION.findall(match.group(2)):
                assert f'"{option}"' in source, f"{page.name}: {match.group(1)} takes no {option}"
                checked += 1
    if page.name in ("grading.md", "benchmarks.md"):
        assert checked, f"{page.name} shows options: the scan must see them"


def test_the_scan_sees_a_wrong_option():
    options = command_options()
    text = "Grade with `gan-course grade COURSE --jbos 2`."
    (line,) = list(shown_commands(text))
    command, rest = re.search(r"gan-course (\w+)((?: +[^ ]+)*)", line).groups()
    assert command == "grade" and OPTION.findall(rest) == ["--jbos"] and "--jbos" not in options["grade"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_dates_or_commit_hashes(page):
    text = page.read_text()
    assert not re.findall(r"\b20\d\d-\d\d-\d\d\b", text), page.name
    assert not re.findall(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,40}\b", text), page.name  # a commit
    assert not re.search(r"\b(morning|afternoon|evening) of\b", text), page.name
