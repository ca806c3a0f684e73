"""AnSinh: citizen self-service for social and health insurance."""

__version__ = "0.1.0"
