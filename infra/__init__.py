"""CDK code of the pipeline (constructs and stacks); the public API is customlabels_pipeline's."""
