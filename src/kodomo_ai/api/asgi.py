"""An import path for uvicorn workers: `kodomo_ai.api.asgi:app` built from the environment's settings."""

from kodomo_ai.api.app import create_app
from kodomo_ai.config import get_settings

app = create_app(get_settings())
