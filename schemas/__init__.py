"""This folder is installed as the package ``reportflow.schemas`` (see pyproject.toml).

It holds data, not code: JSON Schemas, report templates, the formulations list and the render
assets, read through ``reportflow.core.resources``.
"""
