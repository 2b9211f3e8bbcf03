"""The inference tests' moto fixtures: the batch path uses the same buckets and tables."""

from tests.unit.inference.conftest import mocked_aws, resources  # noqa: F401
