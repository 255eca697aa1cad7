"""Channels the assistant talks through: the demo web page, Slack, socket.io and the effective credentials."""
