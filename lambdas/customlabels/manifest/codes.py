"""Every manifest error and warning the service reports: code, message and fix, defined once.

Messages are the service's literal strings (spec 03 §3-§5). `{}` placeholders take the label attribute
name or the overlap percentage. Manifest-file errors have no code: their message is their identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Code:
    name: str
    message: str
    fix: str
    level: Level = Level.ERROR

    def text(self, *args: object) -> str:
        return self.message.format(*args) if args else self.message

    def entry(self, *args: object) -> dict[str, str]:
        """The `{"code", "message"}` object the service writes."""
        return {"code": self.name, "message": self.text(*args)}


def _error(name: str, message: str, fix: str) -> Code:
    return Code(name, message, fix)


def _warning(name: str, message: str, fix: str) -> Code:
    return Code(name, message, fix, Level.WARNING)


# --- manifest-file errors (terminal, no code; no summary is written) -------------------------------
class FileError(StrEnum):
    INVALID = "The manifest file extension or contents are invalid."
    EMPTY = "The manifest file is empty."
    TOO_LARGE = "The manifest file size exceeds the maximum supported size."
    PERMISSIONS = "The S3 bucket permissions are incorrect."
    OUTPUT_NOT_WRITABLE = "Unable to write to output S3 bucket."


FILE_ERROR_FIXES = {
    FileError.INVALID: "Give the manifest a file extension (.manifest), check that its bucket and key exist, "
    "and that it holds one JSON object per line.",
    FileError.EMPTY: "Add one JSON line per image, or build the dataset in the console.",
    FileError.TOO_LARGE: "Keep each manifest at or under 1 GB: split it or shorten oversized JSON lines.",
    FileError.PERMISSIONS: "Grant read access (s3:GetObject) on the bucket holding the manifest.",
    FileError.OUTPUT_NOT_WRITABLE: "Check the output location exists and allows s3:PutObject.",
}

# --- manifest-content errors (terminal; in manifest_summary.json and StatusMessage) ---------------
TOO_MANY_INVALID_ROWS = _error(
    "ERROR_TOO_MANY_INVALID_ROWS_IN_MANIFEST", "The manifest file contains too many invalid rows.",
    "More than 20% of the lines are invalid: fix the line errors listed for this dataset.")
IMAGES_IN_MULTIPLE_BUCKETS = _error(
    "ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS", "The manifest file contains images from multiple S3 buckets.",
    "Move every image of the manifest into one bucket, or remove the lines pointing elsewhere.")
INVALID_PERMISSIONS_IMAGES_BUCKET = _error(
    "ERROR_INVALID_PERMISSIONS_IMAGES_S3_BUCKET", "The permissions for the images S3 bucket are invalid.",
    "Grant s3:GetObject (and kms:Decrypt for SSE-KMS objects) on the images bucket.")
INVALID_IMAGES_BUCKET_OWNER = _error(
    "ERROR_INVALID_IMAGES_S3_BUCKET_OWNER", "Invalid owner id for images S3 bucket.",
    "Use one owner for the manifest, image and output buckets; copy the images into a bucket of that owner.")
INSUFFICIENT_IMAGES_FOR_AUTOSPLIT = _error(
    "ERROR_INSUFFICIENT_IMAGES_PER_LABEL_FOR_AUTOSPLIT",
    "The manifest file contains insufficient labeled images per label to perform auto-split.",
    "Give every label at least 2 valid images, or supply a testing manifest.")
TOO_FEW_LABELS = _error(
    "ERROR_MANIFEST_TOO_FEW_LABELS", "The manifest file has too few labels.",
    "Add labels with labelled images: at least 2 for image-level labels, 1 for object localization.")
TOO_MANY_LABELS = _error(
    "ERROR_MANIFEST_TOO_MANY_LABELS", "The manifest file has too many labels.",
    "Use at most 250 labels: remove the extra labels from every line that uses them.")
INSUFFICIENT_LABEL_OVERLAP = _error(
    "ERROR_INSUFFICIENT_LABEL_OVERLAP",
    "Less than {}% label overlap between the training and testing manifest files.",
    "Add testing lines with labels already in training, or remove training-only labels.")
TOO_FEW_USABLE_LABELS = _error(
    "ERROR_MANIFEST_TOO_FEW_USABLE_LABELS", "The manifest file has too few usable labels.",
    "Check use_case in the summary and add labels of that kind (lines of the other kind are not used).")
INSUFFICIENT_USABLE_LABEL_OVERLAP = _error(
    "ERROR_INSUFFICIENT_USABLE_LABEL_OVERLAP",
    "Less than {}% usable label overlap between the training and testing manifest files.",
    "Add testing lines of the chosen use case with labels already in training.")
FAILED_IMAGES_S3_COPY = _error(
    "ERROR_FAILED_IMAGES_S3_COPY", "Failed to copy images from S3 bucket.",
    "Check the images exist and are readable (bucket policy, and KMS decrypt permission if encrypted).")
TOO_MANY_RECORDS_IN_ERROR = _error(
    "ERROR_TOO_MANY_RECORDS_IN_ERROR", "The manifest file has too many terminal errors.",
    "More than 20% of the lines are unparseable or lack a usable source-ref: fix those lines.")
ROWS_EXCEED_MAXIMUM = _error(
    "ERROR_MANIFEST_ROWS_EXCEEDS_MAXIMUM", "The manifest file has too many rows.",
    "Keep at most 250,000 lines per manifest (lines past the limit were not checked).")

# --- JSON-line errors and warnings (non-terminal; in the *_with_validation.json files) --------------
MISSING_SOURCE_REF = _error(
    "ERROR_MISSING_SOURCE_REF", "The source-ref key is missing.",
    'Add "source-ref": "s3://BUCKET/PATH/IMAGE" to the line, or delete the line.')
INVALID_SOURCE_REF_FORMAT = _error(
    "ERROR_INVALID_SOURCE_REF_FORMAT", "The format of the source-ref value is invalid.",
    "Write source-ref as an S3 URI: s3://BUCKET/PATH/IMAGE (not https://).")
DUPLICATE_SOURCE_REF = _error(
    "ERROR_DUPLICATE_SOURCE_REF", "The source-ref value appears in an earlier line of the manifest.",
    "Reference each image once per dataset: merge the labels into one line and delete the others.")
NO_LABEL_ATTRIBUTES = _error(
    "ERROR_NO_LABEL_ATTRIBUTES", "No label attributes found.",
    "Give every label attribute KEY a matching KEY-metadata object (both are required).")
INVALID_LABEL_ATTRIBUTE_FORMAT = _error(
    "ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT", "The format of the label attribute {} is invalid.",
    "Image-level: the attribute value is an integer. Bounding boxes: image_size is [{width, height, depth}] "
    "and each annotation has numeric class_id, top, left, width, height.")
INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT = _error(
    "ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT", "The format of the label attribute metadata is invalid.",
    "Metadata needs type, human-annotated (yes|no), creation-date, and class-name + confidence (0-1) for "
    "image-level labels, or objects + class-map for bounding boxes.")
NO_VALID_LABEL_ATTRIBUTES = _error(
    "ERROR_NO_VALID_LABEL_ATTRIBUTES", "No valid label attributes found.",
    "Fix the label attribute and its metadata: only image classification and bounding box formats work.")
MISSING_BOUNDING_BOX_CONFIDENCE = _error(
    "ERROR_MISSING_BOUNDING_BOX_CONFIDENCE", "One or more bounding boxes has a missing confidence value.",
    'Give metadata.objects one {"confidence": 1} per annotation, in the same order.')
MISSING_CLASS_MAP_ID = _error(
    "ERROR_MISSING_CLASS_MAP_ID", "One of more class ids is missing from the class map.",
    'Add every annotation class_id as a string key of metadata.class-map, e.g. "0": "label".')
INVALID_JSON_LINE = _error(
    "ERROR_INVALID_JSON_LINE", "The JSON Line has an invalid format.",
    "Make the line one JSON object of at most 100,000 characters (check commas, quotes, braces), "
    "or delete it; blank lines count as invalid.")
INVALID_IMAGE = _error(
    "ERROR_INVALID_IMAGE", "The image is invalid. Check the S3 path and/or image properties.",
    "The object must exist and be a PNG or JPEG of at most 15 MB, 64-4096 px per side, aspect ratio <= 20:1.")
INVALID_IMAGE_DIMENSION = _error(
    "ERROR_INVALID_IMAGE_DIMENSION", "The image dimension(s) do not conform to allowed dimensions.",
    "Resize the image to 64-4096 px per side and rescale its boxes and image_size to match.")
INVALID_BOUNDING_BOX = _error(
    "ERROR_INVALID_BOUNDING_BOX", "The bounding box has off frame values.",
    "Keep boxes inside image_size with no negative top, left, width or height, or delete the box.")
NO_VALID_ANNOTATIONS = _error(
    "ERROR_NO_VALID_ANNOTATIONS", "No valid annotations found.",
    "Give the line at least one valid box with a matching confidence and class-map entry.")
BOUNDING_BOX_TOO_SMALL = _error(
    "ERROR_BOUNDING_BOX_TOO_SMALL", "The height and width of the bounding box is too small.",
    "Boxes must exceed 1x1 px after images over 1280 px are scaled down to 1280: enlarge or remove the box.")
TOO_MANY_BOUNDING_BOXES = _error(
    "ERROR_TOO_MANY_BOUNDING_BOXES", "There are more bounding boxes than the allowed maximum.",
    "Keep at most 50 boxes per image: delete annotations with their objects entries "
    "(and unused class-map keys).")
UNSUPPORTED_USE_CASE_TYPE = _error(
    "ERROR_UNSUPPORTED_USE_CASE_TYPE",
    "The use case type of the {}-metadata label attribute metadata is unsupported. Check the type field.",
    'Set type to "groundtruth/image-classification" or "groundtruth/object-detection".')
INVALID_LABEL_NAME_LENGTH = _error(
    "ERROR_INVALID_LABEL_NAME_LENGTH", "The label name is longer than the maximum of 256 characters.",
    "Shorten the label name to at most 256 characters.")
UNANNOTATED_RECORD = _warning(
    "WARNING_UNANNOTATED_RECORD", "Record is unannotated.", "Label the image; until then it is not used.")
NO_ANNOTATIONS = _warning(
    "WARNING_NO_ANNOTATIONS", "No annotations were found.",
    "Add bounding boxes or remove the line; it is not used for training.")
NO_ATTRIBUTE_ANNOTATIONS = _warning(
    "WARNING_NO_ATTRIBUTE_ANNOTATIONS", "No attribute annotations were found.",
    "Add boxes to this label attribute, or remove the attribute.")

ALL_CODES: dict[str, Code] = {code.name: code for code in globals().values() if isinstance(code, Code)}
