"""`customlabels feedback`: the review set in S3, export for people, import of their answers."""
