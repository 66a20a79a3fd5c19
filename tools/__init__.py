"""Developer tools that never ship (not in the wheel, not in a bundle): DESIGN §3."""
