"""gunicorn's settings, read from ./gunicorn.conf.py when gunicorn starts in this directory
(the Docker image's WORKDIR). Command-line options given as well override these."""

# The access log goes to standard output, for the container runtime to collect.
accesslog = "-"
# No personal data in the access log: the path without its query string (%(U)s, not %(r)s),
# because search terms are names and phone numbers, and no referrer (%(f)s is a full URL,
# query included). The request id matches the line with the access log rows and app logs.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms %({x-request-id}o)s'
# ...and no calendar feed secret (/agenda/feed/<secret>.ics): the path is redacted first.
logger_class = "tsunagari.gunicorn_logger.Logger"
