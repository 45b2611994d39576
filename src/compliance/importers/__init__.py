"""Importers: turn published governance documents into data sets in the project's format."""
