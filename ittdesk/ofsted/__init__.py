"""Ofsted inspection support: the notification pack (pack.py)."""
