"""Ultrasound case-series viewer for medical education."""

__version__ = "0.1.0"
