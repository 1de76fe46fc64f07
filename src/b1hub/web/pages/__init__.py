"""Server-rendered console pages (Jinja2 + htmx, no build step)."""
