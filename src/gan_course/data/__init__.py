"""Data files that ship with the course (see README.md in this folder)."""
