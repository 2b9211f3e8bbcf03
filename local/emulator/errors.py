"""The service's exceptions, named as boto3 raises them (`ClientError` with `Error.Code` = the class name)."""

from __future__ import annotations

from local.emulator.service_model import is_fault


class CustomLabelsError(Exception):
    """Base of every error the service returns; `code` is the wire error code, `status` the HTTP status."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def code(self) -> str:
        return type(self).__name__

    @property
    def status(self) -> int:
        """500 for the errors botocore's model marks as server faults, 400 for the rest."""
        return 500 if is_fault(self.code) else 400


class ResourceNotFoundException(CustomLabelsError):
    pass


class ResourceInUseException(CustomLabelsError):
    pass


class ResourceAlreadyExistsException(CustomLabelsError):
    pass


class ResourceNotReadyException(CustomLabelsError):
    pass


class InvalidParameterException(CustomLabelsError):
    pass


class ValidationException(CustomLabelsError):
    """A request breaking a constraint of botocore's input shape (AWS's request validation)."""


class SerializationException(CustomLabelsError):
    """A request member of the wrong JSON type (the awsJson protocol's answer)."""


class LimitExceededException(CustomLabelsError):
    pass


class ServiceQuotaExceededException(CustomLabelsError):
    pass


class ImageTooLargeException(CustomLabelsError):
    pass


class InvalidImageFormatException(CustomLabelsError):
    pass


class InvalidS3ObjectException(CustomLabelsError):
    pass


class ThrottlingException(CustomLabelsError):
    pass


class ProvisionedThroughputExceededException(CustomLabelsError):
    pass


class InternalServerError(CustomLabelsError):
    pass


class InvalidPaginationTokenException(CustomLabelsError):
    pass


class InvalidPolicyRevisionIdException(CustomLabelsError):
    pass


class MalformedPolicyDocumentException(CustomLabelsError):
    pass


class AccessDeniedException(CustomLabelsError):
    pass
