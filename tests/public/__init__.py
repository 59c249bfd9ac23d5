"""Tests of the public results (公示) and their charts."""
