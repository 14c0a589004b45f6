"""Presentation: the typed result of every command and its JSON document, terminal tables, files,
charts."""
