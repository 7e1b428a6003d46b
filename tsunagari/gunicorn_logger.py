"""gunicorn's access log without secrets in paths (named in gunicorn.conf.py): the request
line and path go through the same redaction as the application's logs (`tsunagari.logs`)."""

from __future__ import annotations

from gunicorn.glogging import Logger as GunicornLogger

from .logs import strip_query


class Logger(GunicornLogger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("U", "r"):
            if isinstance(atoms.get(key), str):
                atoms[key] = strip_query(atoms[key])
        return atoms
