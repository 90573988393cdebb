"""Suite-wide fixtures. Tests import helpers from `tests.support`."""
