from .email import RenderedEmail, render_email
from .errors import TemplateProblem

__all__ = ["RenderedEmail", "TemplateProblem", "render_email"]
