"""Renderers: findings -> table, JSON."""

from .document import build_document, summarise
from .render import render_json, render_json_bytes, render_table

__all__ = ["build_document", "summarise", "render_json", "render_json_bytes", "render_table"]
