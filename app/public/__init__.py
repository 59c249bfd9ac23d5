"""Pages for citizens: no login."""
