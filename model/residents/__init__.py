"""residents."""
