"""The Dash pages of the yearbook dashboard; modules starting with '_' are shared helpers, not pages."""
