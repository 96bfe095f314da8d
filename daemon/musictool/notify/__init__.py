"""Notifications: stored for the API and tray, streamed as events, shown on the desktop."""
