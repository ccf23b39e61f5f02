"""The catalogue of typical mistakes, one module per assignment (issue 23).

`coursetools/mistakes/<name>.py` holds the mistakes for assignment `NN_<name>` (e.g. `gradient_descent.py`
for `01_gradient_descent`) as a list `MISTAKES` of `Mistake` records:

    Mistake(
        function="df",                                   # the graded function it replaces
        label="sign of the exponential's derivative",    # short, shown to instructors in reports
        explain="d/dx e^(-x) is -e^(-x), not +e^(-x): the chain rule brings down the -1 "
                "(lecture 01, section 2).",               # what a student reads after `Likely mistake:`
        code='''
def df(x):
    return np.exp(-x) + 2 * x
''',                                                     # a whole answer cell that makes the mistake
    )

`code` is executed in the notebook's namespace in place of the student's answer cell, so it may use the
notebook's imports and the student's earlier functions. The diagnosis and the author's report
(`python -m coursetools mistakes <id>`) are built on these records.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Mistake:
    function: str
    label: str
    explain: str
    code: str
