"""vixens-tui: rebuild a vixens Kubernetes cluster from zero, safely."""

__version__ = "0.1.0"
