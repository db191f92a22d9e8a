"""Reusable widgets of the app; each carries its own scoped DEFAULT_CSS."""
