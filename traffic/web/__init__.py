"""Server-rendered pages for the police (Jinja2), in the same app and over the same services as the API."""
