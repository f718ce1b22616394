"""dailypapers: a self-hosted daily research-paper feed."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dailypapers")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"
