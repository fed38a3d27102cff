"""``python -m wellclear.cli``: the same as the ``wellclear`` console script."""

from wellclear.cli import main

if __name__ == "__main__":
    main()
