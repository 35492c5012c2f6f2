from __future__ import annotations


class TemplateProblem(ValueError):
    """MJML or template content that cannot be compiled or rendered.

    `line` is 1-based within the editor's source when known.
    """

    def __init__(self, message: str, *, line: int | None = None):
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)
