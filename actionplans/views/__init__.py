"""Thin views: find the object the user may see, call one service or selector, render."""
