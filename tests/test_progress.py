"""`gan-course grade`'s progress: tqdm's bar on a terminal, a plain line per submission in a log."""

import io

from gan_course_grader.grade import Progress
from gan_course_grader.judging import Outcome
from gan_course_grader.ledger import Row


class Terminal(io.StringIO):
    def isatty(self):
        return True


def outcome(student, score, grader_failed=False, problem=""):
    rows = (Row(student, "01_intuition", "sigmoid_tests", score, 2.0),)
    return Outcome(student, "01_intuition", "seed", "key", "limits", "digest", rows, problem, seconds=3.2,
                   grader_failed=grader_failed)


def test_a_log_gets_one_line_per_submission_with_the_counts_and_no_bar():
    said, log = [], io.StringIO()
    with Progress(3, said.append, stream=log) as progress:
        progress.done(outcome("alice", 2.0))
        progress.done(outcome("bob", 0.0, grader_failed=True, problem="the grader could not process it"))
        progress.done(outcome("carol", 1.0))
    assert log.getvalue() == ""  # no bar, no carriage returns in a log
    assert said[0].startswith("1/3 alice / 01_intuition: 2/2 in 3 s (0 failed, 2 left, about ")
    assert said[1].startswith("2/3 bob / 01_intuition: 0/2 in 3 s (the grader could not process it) (1 failed, 1 left")
    assert said[2] == "3/3 carol / 01_intuition: 1/2 in 3 s (1 failed, 0 left)"


def test_a_terminal_gets_tqdms_bar_under_the_lines():
    said, terminal = [], Terminal()
    with Progress(4, said.append, stream=terminal) as progress:
        progress.done(outcome("alice", 2.0))
        progress.done(outcome("bob", 0.0, grader_failed=True))
        progress.bar.refresh()
        drawn = terminal.getvalue()
    assert said == []  # everything went to the terminal
    assert "1/4 alice / 01_intuition: 2/2 in 3 s\n" in drawn and "2/4 bob / 01_intuition: 0/2 in 3 s\n" in drawn
    bar = [piece for piece in drawn.split("\r") if "|" in piece][-1]
    assert "2/4" in bar and "1 failed" in bar and "<" in bar, bar  # done of all, failures, time left
