"""reportflow: report-as-code for offices that write, approve and keep an annual report."""

__version__ = "0.1.0"
