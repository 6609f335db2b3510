"""Errors are data: where in the user's source the problem is, and what to do."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A span in the user's source file (1-based lines, 0-based columns)."""

    filename: str
    lineno: int
    col: int
    end_col: int | None
    line: str  # the source line, as in the file
    function: str = ""

    def render(self) -> str:
        where = f'  File "{self.filename}", line {self.lineno}, column {self.col + 1}'
        if self.function:
            where += f", in {self.function}"
        text = self.line.rstrip("\n")
        stripped = text.lstrip()
        if not stripped:  # no source line to show (e.g. the source is not available)
            return where
        indent = len(text) - len(stripped)
        width = 1
        if self.end_col is not None and self.end_col > self.col:
            width = self.end_col - self.col
        width = max(1, min(width, len(text) - self.col)) if len(text) > self.col else 1
        caret = " " * (4 + self.col - indent) + "^" * width
        return f"{where}\n    {stripped}\n{caret}"


class DifferentiationError(Exception):
    """ssagrad cannot differentiate this code as written; says where and why.

    ``location`` is the span in the user's source (or ``None`` when the
    problem is not tied to one line); ``message`` is the plain explanation.
    """

    def __init__(self, message: str, location: Location | None = None, note: str = ""):
        self.message = message
        self.location = location
        self.note = note  # shown after the location: where inside a library the problem is
        super().__init__(message)

    @property
    def filename(self):
        return self.location.filename if self.location else None

    @property
    def lineno(self):
        return self.location.lineno if self.location else None

    @property
    def col(self):
        return self.location.col if self.location else None

    @property
    def source_line(self):
        return self.location.line.strip() if self.location else None

    def __str__(self):
        text = self.message if self.location is None else f"{self.message}\n{self.location.render()}"
        return f"{text}\n{self.note}" if self.note else text
