"""A local SEMINE: the API contract of ``docs/semine-api.md`` on SQLite.

For tests, the demo and plugin authors. :func:`create_app` gives the ASGI
app; :class:`SandboxServer` serves it on loopback in a background thread;
:class:`SandboxAdmin` drives the sandbox-only ``/sandbox/v1`` endpoints;
``semine-plugins sandbox`` runs it from the command line.
"""

from semine_plugins.sandbox._admin import SandboxAdmin, SandboxClient
from semine_plugins.sandbox._app import DEFAULT_MAX_DOCUMENT_BYTES, SandboxApp, create_app
from semine_plugins.sandbox._openapi import openapi_document
from semine_plugins.sandbox._samples import sample_detail, sample_document
from semine_plugins.sandbox._server import SandboxServer

__all__ = [
    "DEFAULT_MAX_DOCUMENT_BYTES",
    "SandboxAdmin",
    "SandboxApp",
    "SandboxClient",
    "SandboxServer",
    "create_app",
    "openapi_document",
    "sample_detail",
    "sample_document",
]
