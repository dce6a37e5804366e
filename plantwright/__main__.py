"""`python -m plantwright ...` is manage.py: e.g. `python -m plantwright token create alice`."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plantwright.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([f"{sys.executable} -m plantwright", *sys.argv[1:]])


if __name__ == "__main__":
    main()
