"""One SQS message -> its images analysed exactly once; transient failures get queue back-off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

from customlabels.inference.errors import THROTTLE_BASE_SECONDS, TransientProblem, retry_delay
from customlabels.inference.events import images_in_message


class MessageProcessor:
    def __init__(
        self,
        *,
        sqs: Any,
        queue_url: str,
        analyse_once: Callable[..., dict[str, Any]],
    ) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._analyse_once = analyse_once

    def process(self, body: str, receipt_handle: str, receive_count: int) -> list[dict[str, Any]]:
        """Outcomes of the message's images; on a transient problem, hide the message for the
        back-off delay and re-raise so the batch reports it as a failed item."""
        try:
            return [self._analyse_once(image=image.as_dict()) for image in images_in_message(body)]
        except TransientProblem as problem:
            self._postpone(receipt_handle, retry_delay(receive_count, problem.base_seconds))
            raise
        except IdempotencyAlreadyInProgressError:
            # A duplicate delivery of an image being analysed right now: look again shortly.
            self._postpone(receipt_handle, retry_delay(receive_count, THROTTLE_BASE_SECONDS))
            raise

    def _postpone(self, receipt_handle: str, seconds: int) -> None:
        self._sqs.change_message_visibility(
            QueueUrl=self._queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )
