"""The HTTP service: FastAPI app with roles, streaming, storage and an audit log."""

from kodomo_ai.api.app import create_app

__all__ = ["create_app"]
