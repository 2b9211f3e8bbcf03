"""The service's exceptions, named as boto3 raises them (`ClientError` with `Error.Code` = the class name)."""

from __future__ import annotations


class CustomLabelsError(Exception):
    """Base of every error the service returns; `code` is the wire error code, `status` the HTTP status."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def code(self) -> str:
        return type(self).__name__


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
    pass


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
    status = 500


class InvalidPaginationTokenException(CustomLabelsError):
    pass


class InvalidPolicyRevisionIdException(CustomLabelsError):
    pass


class MalformedPolicyDocumentException(CustomLabelsError):
    pass


class AccessDeniedException(CustomLabelsError):
    pass
