"""Report writers: the only code that writes files. Every output is drawn from ``Results``."""
