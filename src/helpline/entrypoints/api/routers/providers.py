"""The provider network."""

from fastapi import APIRouter

router = APIRouter(prefix="/providers", tags=["providers"])
