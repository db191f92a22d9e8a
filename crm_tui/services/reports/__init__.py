"""Reports: activity, relationships, pipeline, revenue and feedback over a range of days, and the
Dashboard's figures. Each returns plain dataclasses; the front ends format and chart them."""
