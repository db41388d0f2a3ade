"""``python -m nbpromote`` is the ``nbpromote`` command."""

from .cli import main

if __name__ == "__main__":
    main()
