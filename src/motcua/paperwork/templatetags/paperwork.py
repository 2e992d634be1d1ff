"""Filters for the form templates: see ``motcua.paperwork.formats``."""

from django import template

from motcua.paperwork import formats

register = template.Library()

register.filter("long_date", formats.long_date)
register.filter("clock_time", formats.clock_time)
register.filter("long_moment", formats.long_moment)
register.filter("short_date", formats.short_date)
register.filter("short_moment", formats.short_moment)
register.filter("number", formats.number)
register.filter("two_digits", formats.two_digits)
register.filter("vnd", formats.vnd)
