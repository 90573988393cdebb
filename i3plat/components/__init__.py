"""Pure builders of layout pieces and figure dicts: data in, Dash components or dicts out, no I/O."""
