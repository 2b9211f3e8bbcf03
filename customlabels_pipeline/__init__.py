"""The Rekognition Custom Labels pipeline as a CDK construct library.

    from customlabels_pipeline import CustomLabelsPipeline, CustomLabelsPipelineProps

    CustomLabelsPipeline(stack, "Defects", props=CustomLabelsPipelineProps(projectName="defects"))

The props are cdk.json's ``customlabels`` settings, with its defaults (docs/construct-library.md); they and
the construct's outputs are the public API that the version number (semantic versioning) is about.
"""

from infra.config import Config as CustomLabelsPipelineProps
from infra.config import ConfigError
from infra.stack import CustomLabelsPipeline

__version__ = "0.5.0"
__all__ = ["ConfigError", "CustomLabelsPipeline", "CustomLabelsPipelineProps", "__version__"]
