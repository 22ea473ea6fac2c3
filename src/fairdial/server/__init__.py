"""`fairdial serve`: carrier webhooks, media streams and the AudioSocket listener."""

from fairdial.server.app import Server
from fairdial.server.config import ServeConfig, ServeConfigError, load_config
from fairdial.server.supervisor import CallSupervisor

__all__ = ["CallSupervisor", "ServeConfig", "ServeConfigError", "Server", "load_config"]
