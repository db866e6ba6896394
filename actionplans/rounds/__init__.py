"""The quarterly round of updates: open, track, decide at the meeting, close."""
