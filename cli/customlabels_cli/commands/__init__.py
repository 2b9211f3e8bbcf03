"""CLI subcommands, one module each (see customlabels_cli.main)."""
