"""Custom Labels control-plane operations the pipeline uses: projects, datasets, model versions."""
