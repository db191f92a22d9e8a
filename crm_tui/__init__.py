"""crm-tui: a terminal CRM for freelancers and small teams."""

__version__ = "0.1.0"
