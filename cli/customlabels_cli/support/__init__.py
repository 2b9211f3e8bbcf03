"""What the `customlabels` subcommands share: exit codes and errors, the stack's outputs and clients,
the execution progress display, text tables and the evaluation report."""
