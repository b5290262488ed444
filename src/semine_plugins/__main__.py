"""``python -m semine_plugins``: the same as the ``semine-plugins`` command."""

from semine_plugins.cli import main

if __name__ == "__main__":
    main()
