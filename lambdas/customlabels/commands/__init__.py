"""CLI subcommands, one module each (see customlabels.cli)."""
