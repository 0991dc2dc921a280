"""Pages (router) and JSON endpoints (api) of the workbench for this part."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
api = APIRouter()
