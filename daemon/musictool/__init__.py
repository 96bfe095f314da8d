"""MusicTool: one place for the records on the shelf and the files in the DJ library."""

__version__ = "0.1.0"
