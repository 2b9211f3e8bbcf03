"""Manifest converters (spec 02 §4.1, §8): image folders, CSV and COCO to Ground Truth manifest lines.

Each converter returns a `Conversion`: the lines it built plus the inputs it skipped and why.
`write_manifest` writes the lines to a local path or an s3:// URI."""
