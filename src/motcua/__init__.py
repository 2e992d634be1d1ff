"""motcua: electronic one-stop system and online public-service portal."""

__version__ = "0.1.0"
