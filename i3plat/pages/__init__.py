"""Dash pages: each module wires a layout and its callbacks; logic lives in components/ and collector/."""
