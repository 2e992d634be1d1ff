"""Fees and charges of a dossier: payment requests, online payment providers, collections, receipts, refunds."""
