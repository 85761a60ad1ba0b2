"""Figures from Xinjiang science-work yearbook texts.

    extract_figures(text, year=None) -> list[dict]   every figure of a text, attributed and cited
    parse_quantities(text) -> list[dict]             the numbers of a text with units, normalised
"""
__version__ = "0.1.0"

from .extract import extract_figures  # noqa: E402
from .quantities import parse_quantities  # noqa: E402

__all__ = ["extract_figures", "parse_quantities", "__version__"]
