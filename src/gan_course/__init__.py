"""gan-course: a Keras 3 course on Generative Adversarial Networks.

This is the student package: data helpers, pictures, the visible-test helpers used in the
notebooks, and the ``gan-course`` command (``gan-course check`` for self-checks). It holds no
solutions and no hidden tests; the instructor side lives in the course repository's
``autograder/`` folder.
"""

__version__ = "0.1.0"
