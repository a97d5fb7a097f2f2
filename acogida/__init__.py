"""Acogida: reception of a migrant caravan and the asylum claims that follow."""

__version__ = "0.1.0"
