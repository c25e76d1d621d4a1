"""Public tests of the book's graded questions, one otter-grader file per question (``qNN_M.py``).

Students run them with ``grader.check("qNN_M")``; see :mod:`adfl_teach.teaching.grading`.
"""
