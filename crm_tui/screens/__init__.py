"""The screens of the app, one module each, with a .tcss beside it."""
