"""Instructor tools for the nnlib course: pre-flight repair of submissions and a static scan.

Run from the course root:  python -m coursetools preflight <assignment_id>
"""
