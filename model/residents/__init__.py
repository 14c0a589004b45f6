"""Residents: the register of addresses, their expected quarters and windows, and letters."""
