"""One router per resource; `shopsense.serving.app` includes them all."""
