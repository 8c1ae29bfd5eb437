"""Bundled network weights (package data); see README.md in this folder for their origin."""
