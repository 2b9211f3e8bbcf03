"""The `customlabels` command line: its own package, outside the Lambda asset; imports the domain package."""
