"""Every write of the supplies app (see ledger.py for the stock ledger)."""

from .ledger import (
    Line,
    stock_adjust,
    stock_batch_reverse,
    stock_count_record,
    stock_distribute,
    stock_hand_out,
    stock_receive,
    stock_transfer,
)
from .merge import handouts_merge_move, handouts_merge_preview
from .places import place_create, place_update, stock_minimum_set
from .requests import (
    site_request_approve,
    site_request_create,
    site_request_decline,
    site_request_fulfil,
)
from .verify import stock_verify

__all__ = [
    "Line",
    "handouts_merge_move",
    "handouts_merge_preview",
    "place_create",
    "place_update",
    "site_request_approve",
    "site_request_create",
    "site_request_decline",
    "site_request_fulfil",
    "stock_adjust",
    "stock_batch_reverse",
    "stock_count_record",
    "stock_distribute",
    "stock_hand_out",
    "stock_receive",
    "stock_minimum_set",
    "stock_transfer",
    "stock_verify",
]
