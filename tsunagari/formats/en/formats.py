# One format for every date on every page, as in Japanese: the "short" formats are the same.
DATE_FORMAT = "D, j M Y"
DATETIME_FORMAT = "D, j M Y H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 0
