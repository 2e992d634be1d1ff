"""Back-office views, one module per page family."""
