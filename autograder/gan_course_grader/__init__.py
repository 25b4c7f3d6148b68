"""gan-course instructor side: release, hidden checks, grading, demo.

Lives in the course repository (autograder/), never in the student's install.
"""
