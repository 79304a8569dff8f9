"""Satisfaction surveys, review tasks and call-back campaigns."""

from fastapi import APIRouter

router = APIRouter(prefix="/surveys", tags=["surveys"])
