"""Deployment configuration renderers (endpoints, credentials) and the demo page server."""
