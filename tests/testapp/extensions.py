"""The test app's registrations: one of every extension point of `core.registry`."""
