"""``revbridge web``: the local dashboard over the store and the client files.

:func:`bridge.web.app.create_app` builds the ASGI application (Starlette, Jinja2 templates with
autoescape, one stylesheet, no script); :mod:`bridge.web.serve` runs it with uvicorn.
"""
