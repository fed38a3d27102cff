"""What every command does with refused input: list the problems, exit 2, write nothing."""

from __future__ import annotations

from rich.console import Console

from wellclear.errors import InvalidInput

EXIT_CLEAN, EXIT_FOUND, EXIT_BAD_INPUT = 0, 1, 2
MAX_PROBLEMS_SHOWN = 50


def print_problems(console: Console, error: InvalidInput, nothing_done: str) -> None:
    """One line per problem (up to a limit), then what was not done, e.g. "nothing was checked"."""
    for problem in error.problems[:MAX_PROBLEMS_SHOWN]:
        console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    hidden = len(error.problems) - MAX_PROBLEMS_SHOWN
    if hidden > 0:
        console.print(f"... and {hidden} more problems", markup=False)
    console.print(f"{nothing_done}: fix the input and run again", markup=False)
