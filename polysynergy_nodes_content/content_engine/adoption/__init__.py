"""Adoption of tables made elsewhere (Supabase's dashboard, SQL migrations) as sections.

This face is what other packages and the rest of the pack may import from here.
"""

from .facade import AdoptionMethods
from .report import adoption_report

__all__ = ["AdoptionMethods", "adoption_report"]
