"""The complaint register."""

from fastapi import APIRouter

router = APIRouter(prefix="/complaints", tags=["complaints"])
