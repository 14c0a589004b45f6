"""capplan: multi-year capacity planning of large public programmes."""

__version__ = "0.1.0"
