"""The local Rekognition Custom Labels service (never deployed)."""
