"""Models arrive with the supplies issue."""
