"""The web shell: base layout, components, home page, language switch, error pages."""
