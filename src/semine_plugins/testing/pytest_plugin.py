"""pytest plugin (registered under ``pytest11``): fixtures for plugin authors."""
