"""The testing kit for plugin authors: real servers and fixtures for a plugin's own tests."""
