"""The command line: parse options, call one API function, emit, record."""

from capplan.cli.app import main

__all__ = ["main"]
