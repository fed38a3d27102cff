"""Wellclear: a neutral deconfliction service for parties that share an area but not trust."""

__version__ = "0.1.0"
