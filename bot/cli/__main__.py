"""`python -m bot.cli`: the same as the `samtale` command."""
from bot.cli import main

main()
