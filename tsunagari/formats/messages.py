"""Django's stock form messages, declared again so that the project's catalogue words them
(Django's Japanese has stray spaces around the numbers: "この値は 100 文字以下…( 120 文字…").
Never imported: `makemessages` reads them from here, and the project's catalogue (LOCALE_PATHS)
comes before Django's own."""

from django.utils.translation import ngettext_lazy

MESSAGES = (
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
)
